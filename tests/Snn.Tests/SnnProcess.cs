using System.Diagnostics;
using System.Globalization;
using System.Text;
using Snn.Cli;
using Snn.TestHost;
using Snn.Threading;
using TorchSharp;

namespace Snn.Tests;

/// <summary>
/// `snn ARGS` as a child process: Snn.Cli.dll (beside the tests, with its runtimeconfig) under the dotnet host, its
/// output collected as it comes, so a test can wait for a moment in the run, kill it (SIGKILL) or await its exit.
/// To be killed in the middle of a checkpoint write it runs as Snn.TestHost.dll, `snn` with the test seam set.
/// </summary>
internal sealed class SnnProcess : IDisposable
{
    private readonly Process process;
    private readonly StringBuilder output = new(), error = new();

    private SnnProcess(IEnumerable<string> args, IDictionary<string, string?> environment, int? stopInCheckpointWrite)
    {
        var host = Environment.ProcessPath is { } self && Path.GetFileNameWithoutExtension(self) == "dotnet" ? self
            : Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } h ? h : "dotnet";
        // Stdin is a pipe from this process, so a child stopped in a checkpoint write (it waits on stdin) ends with the tests.
        var info = new ProcessStartInfo(host)
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        if (stopInCheckpointWrite is { } write)
        {
            info.ArgumentList.Add(typeof(SnnTestHost).Assembly.Location);
            info.ArgumentList.Add(SnnTestHost.StopInCheckpointWrite);
            info.ArgumentList.Add(write.ToString(CultureInfo.InvariantCulture));
        }
        else
        {
            info.ArgumentList.Add(typeof(BenchCommand).Assembly.Location);
        }
        foreach (var a in args) info.ArgumentList.Add(a);
        // The child's thread count is this process's, not what its start-up load check would pick: tests compare its
        // results bit for bit with in-process runs, and libtorch's reductions depend on the thread count.
        info.Environment[OpenMpSettings.ThreadsVariable] = torch.get_num_threads().ToString(CultureInfo.InvariantCulture);
        foreach (var (k, v) in environment)
        {
            if (v is null) info.Environment.Remove(k);
            else info.Environment[k] = v;
        }
        Command = string.Join(' ', info.ArgumentList);
        process = new Process { StartInfo = info };
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (error) error.AppendLine(e.Data); };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    /// <summary>
    /// Starts `snn ARGS`; <paramref name="environment"/> sets variables (null: removes them). With
    /// <paramref name="stopInCheckpointWrite"/> = n, the n-th checkpoint write of the process stops halfway and waits to be
    /// killed; <see cref="StoppedInCheckpointWrite"/> says when.
    /// </summary>
    public static SnnProcess Start(IEnumerable<string> args, IDictionary<string, string?>? environment = null, int? stopInCheckpointWrite = null) =>
        new(args, environment ?? new Dictionary<string, string?>(), stopInCheckpointWrite);

    /// <summary>True once a process started with a stopInCheckpointWrite has stopped in that write.</summary>
    public bool StoppedInCheckpointWrite => Error.Contains(SnnTestHost.StoppedMarker, StringComparison.Ordinal);

    public string Command { get; }
    public string Output { get { lock (output) return output.ToString(); } }
    public string Error { get { lock (error) return error.ToString(); } }

    /// <summary>Polls until <paramref name="condition"/> holds; false when the process ended first. Throws after <paramref name="timeout"/>.</summary>
    public bool WaitUntil(Func<bool> condition, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            if (process.HasExited) return condition();
            if (clock.Elapsed > timeout) throw new TimeoutException($"snn {Command}: still waiting after {timeout}.\n{Output}\n{Error}");
            Thread.Sleep(2);
        }
        return true;
    }

    /// <summary>SIGKILL (no handler, no flush: what a kill -9 or a lost machine does) and wait until it is gone.</summary>
    public void Kill()
    {
        process.Kill(entireProcessTree: true);
        process.WaitForExit();
    }

    /// <summary>Waits for the exit: exit code, stdout, stderr. Kills it and throws after <paramref name="timeout"/>.</summary>
    public (int Code, string Output, string Error) WaitForExit(TimeSpan timeout)
    {
        if (!process.WaitForExit(timeout))
        {
            Kill();
            throw new TimeoutException($"snn {Command} did not finish in {timeout}.\n{Output}\n{Error}");
        }
        process.WaitForExit();   // the redirected streams are drained
        return (process.ExitCode, Output, Error);
    }

    public void Dispose()
    {
        if (!process.HasExited) Kill();
        process.Dispose();
    }
}
