using Snn.Experiments;
using TorchSharp;

// The `snn` command. Later issues add train, sweep, report, bench and data.
return Cli.Run(args);

internal static class Cli
{
    private const string Usage = """
        snn — spiking neural networks with temporally-truncated local BPTT (Guo et al. 2023)

        Usage:
          snn version        print the versions of snn, TorchSharp and the device it would use
          snn --help         show this help

        Notebooks: ./run.sh runs every notebook (notebooks/); ./test.sh runs the tests.
        """;

    public static int Run(string[] args)
    {
        switch (args)
        {
            case [] or ["--help"] or ["-h"] or ["help"]:
                Console.WriteLine(Usage);
                return args.Length == 0 ? 1 : 0;
            case ["bench", .. var rest]: return Snn.Cli.BenchCommand.Run(rest);
            case ["version"] or ["--version"]:
                var info = RunInfo.Capture(Profiles.Current, seed: 0, System.Diagnostics.Stopwatch.StartNew(),
                    torch.cuda.is_available() ? torch.CUDA : torch.CPU);
                Console.WriteLine($"snn {info.Snn}");
                Console.WriteLine($"TorchSharp {info.TorchSharp}, device {info.Device}, {info.Threads} threads");
                Console.WriteLine($"{info.DotNet} on {info.Os} ({info.Cpu})");
                return 0;
            default:
                Console.Error.WriteLine($"snn: unknown command '{string.Join(' ', args)}'. Run 'snn --help'.");
                return 2;
        }
    }
}
