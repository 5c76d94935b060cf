using SnnCli = Snn.Cli.Cli;

namespace Snn.Tests;

/// <summary>Runs code with the console captured: the `snn` command in-process, or any printing call.</summary>
internal static class ConsoleCapture
{
    /// <summary>`snn ARGS` in-process: exit code, stdout, stderr.</summary>
    public static (int Code, string Output, string Error) Snn(params string[] args) => Run(() => SnnCli.Run(args));

    /// <summary>Runs <paramref name="work"/> and returns its result with everything it printed.</summary>
    public static (int Code, string Output, string Error) Run(Func<int> work)
    {
        var (previousOut, previousError) = (Console.Out, Console.Error);
        using var output = new StringWriter();
        using var error = new StringWriter();
        Console.SetOut(output);
        Console.SetError(error);
        try { return (work(), output.ToString(), error.ToString()); }
        finally
        {
            Console.SetOut(previousOut);
            Console.SetError(previousError);
        }
    }
}
