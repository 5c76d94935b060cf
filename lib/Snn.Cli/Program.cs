using Snn.Data;
using Snn.Experiments;
using TorchSharp;
using Snn.Data.Events;

// The `snn` command: version, train, bench, data. Later issues add sweep and report.
return Cli.Run(args);

internal static class Cli
{
    private const string Usage = """
        snn — spiking neural networks with temporally-truncated local BPTT (Guo et al. 2023)

        Usage:
          snn version        print the versions of snn, TorchSharp and the device it would use
          snn train --out DIR [--spec S] [--T 4] [--K T] [--B all] [--epochs 1] [--lr 3e-3] [--resume]
                             train on Fashion-MNIST with a progress bar; results and checkpoint in DIR (see snn train --help)
          snn bench [--workloads W1,W2,W3] [--modes bptt,tbptt,tt-local] [--steps 20] [--warmup 10] [--threads N] [--json FILE]
                             time, memory and cost table of the benchmark workloads (re-executes itself:
                             a memory run without and a timing run with the MALLOC_* tuning)
          snn data list      list the datasets, where they are and the script that fetches each
          snn data verify [NAME...]
                             read the datasets present (or NAME) with the kit's readers; exit 1 if one fails
          snn data emulate [--train N] [--test N] [--seed S] [--out DIR]
                             make EMULATED N-Fashion-MNIST from Fashion-MNIST (default 60000/10000, seed 0)
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
            case ["train", .. var trainArgs]: return Snn.Cli.TrainCommand.Run(trainArgs);
            case ["version"] or ["--version"]:
                var info = RunInfo.Capture(Profiles.Current, seed: 0, System.Diagnostics.Stopwatch.StartNew(),
                    torch.cuda.is_available() ? torch.CUDA : torch.CPU);
                Console.WriteLine($"snn {info.Snn}");
                Console.WriteLine($"TorchSharp {info.TorchSharp}, device {info.Device}, {info.Threads} threads");
                Console.WriteLine($"{info.DotNet} on {info.Os} ({info.Cpu})");
                return 0;
            case ["data", "list"]:
                return DataCommands.List();
            case ["data", "verify", .. var names]:
                return DataCommands.Verify(names);
            case ["data", "emulate", .. var options]:
                return DataCommands.Emulate(options);
            default:
                Console.Error.WriteLine($"snn: unknown command '{string.Join(' ', args)}'. Run 'snn --help'.");
                return 2;
        }
    }
}

internal static class DataCommands
{
    public static int List()
    {
        foreach (var e in DataCatalog.All)
        {
            var dir = e.Locate();
            Console.WriteLine($"{e.Name,-26} {(dir is null ? "absent " : "present")}  {e.Description}");
            Console.WriteLine($"{"",-26} {(dir is null ? "fetch with " + e.Script : dir)}");
        }
        return 0;
    }

    public static int Verify(string[] names)
    {
        var entries = names.Length == 0 ? DataCatalog.All : names.Select(DataCatalog.Find).ToList();
        var failed = 0;
        foreach (var e in entries)
        {
            var dir = e.Locate();
            if (dir is null)
            {
                Console.WriteLine($"{e.Name,-26} absent   (fetch with {e.Script})");
                if (names.Length > 0) failed++;
                continue;
            }
            try
            {
                Console.WriteLine($"{e.Name,-26} ok       {e.Verify(dir)} in {dir}");
            }
            catch (Exception ex) when (ex is IOException or ArgumentException or InvalidOperationException)
            {
                Console.WriteLine($"{e.Name,-26} INVALID  {ex.Message}");
                failed++;
            }
        }
        return failed == 0 ? 0 : 1;
    }

    public static int Emulate(string[] args)
    {
        int train = 60_000, test = 10_000, seed = 0;
        string? output = null;
        for (var i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value.");
            switch (args[i])
            {
                case "--train": train = int.Parse(Next(), System.Globalization.CultureInfo.InvariantCulture); break;
                case "--test": test = int.Parse(Next(), System.Globalization.CultureInfo.InvariantCulture); break;
                case "--seed": seed = int.Parse(Next(), System.Globalization.CultureInfo.InvariantCulture); break;
                case "--out": output = Next(); break;
                default: Console.Error.WriteLine($"snn data emulate: unknown option '{args[i]}'."); return 2;
            }
        }
        output ??= EmulatedNFashionMnist.DefaultFolder;
        var (fashionTrain, fashionTest) = FashionMnist.Load();
        using (fashionTrain) using (fashionTest)
        {
            var clock = System.Diagnostics.Stopwatch.StartNew();
            var options = new EmulatorOptions();
            void Report(string split, int done, int total)
            {
                if (done % 2000 == 0 || done == total) Console.WriteLine($"[emulate] {split} {done}/{total} ({clock.Elapsed.TotalSeconds:F0} s)");
            }
            // File i is image i in file order, so that a larger run extends a smaller one.
            EmulatedNFashionMnist.Generate(fashionTrain, output, "Train", train, options, seed, (d, n) => Report("Train", d, n));
            EmulatedNFashionMnist.Generate(fashionTest, output, "Test", test, options, seed + 1, (d, n) => Report("Test", d, n));
            Console.WriteLine($"EMULATED N-Fashion-MNIST ({Math.Min(train, fashionTrain.Count)} train, {Math.Min(test, fashionTest.Count)} test) in {output}");
        }
        return 0;
    }
}
