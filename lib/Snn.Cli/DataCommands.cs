using System.CommandLine;
using Snn.Data;
using Snn.Data.Events;

namespace Snn.Cli;

/// <summary>`snn data list|verify|emulate`: the datasets the kit reads, where they are, and whether they read.</summary>
internal static class DataCommands
{
    public static Command Create()
    {
        var data = new Command("data", "The datasets: list where they are, verify them with the kit's readers, make EMULATED N-Fashion-MNIST.");

        var list = new Command("list", "List the datasets, whether each is present (and where) or the script that fetches it.");
        list.SetAction(_ => CliSupport.Guarded("snn data list", List));
        data.Add(list);

        var names = new Argument<string[]>("NAME")
        {
            HelpName = "NAME",
            Description = $"datasets to verify (default: every one present): {string.Join(", ", Names)}",
            Arity = ArgumentArity.ZeroOrMore,
        };
        names.CompletionSources.Add([.. Names]);
        names.Validators.Add(r =>
        {
            foreach (var t in r.Tokens)
                if (!DatasetRegistry.WithFiles.Any(d => d.IsCalled(t.Value)))
                    r.AddError($"Unknown dataset '{t.Value}'; expected one of {string.Join(", ", Names)}.");
        });
        var verify = new Command("verify", """
            Read the datasets present (or each NAME) with the kit's readers and check their sizes.
            Exit 1 if one is invalid; exit 2 if a NAME given is absent.
            """) { names };
        verify.SetAction(r => CliSupport.Guarded("snn data verify", () => Verify(r.GetValue(names) ?? [])));
        data.Add(verify);

        var train = CliSupport.Int("--train", "training images to emulate (the first N of Fashion-MNIST's training split)", 60_000, min: 0);
        var test = CliSupport.Int("--test", "test images to emulate", 10_000, min: 0);
        var seed = CliSupport.Int("--seed", "emulator seed (the test split uses seed + 1)", 0, min: int.MinValue);
        var output = new Option<string?>("--out")
        {
            Description = $"output folder (default: <data root>/{EmulatedNFashionMnist.FolderName}); files already there with the same options are kept",
            HelpName = "DIR",
        };
        var emulate = new Command("emulate", "Make EMULATED N-Fashion-MNIST (event streams in the N-MNIST layout) from Fashion-MNIST with the event emulator.")
        {
            train, test, seed, output,
        };
        emulate.SetAction(r => CliSupport.Guarded("snn data emulate",
            () => Emulate(r.GetValue(train), r.GetValue(test), r.GetValue(seed), r.GetValue(output))));
        data.Add(emulate);
        return data;
    }

    // The datasets with files of their own, by their config names (the registry's).
    private static IEnumerable<string> Names => DatasetRegistry.WithFiles.Select(d => d.Name);

    private static DatasetInfo Find(string name) =>
        DatasetRegistry.WithFiles.FirstOrDefault(d => d.IsCalled(name))
        ?? throw new ArgumentException($"Unknown dataset '{name}'. Known: {string.Join(", ", Names)}.", nameof(name));

    public static int List()
    {
        foreach (var e in DatasetRegistry.WithFiles)
        {
            var dir = e.Locate();
            Console.WriteLine($"{e.Name,-26} {(dir is null ? "absent " : "present")}  {e.Description}");
            Console.WriteLine($"{"",-26} {(dir is null ? "fetch with " + e.Script : dir)}");
        }
        return ExitCodes.Ok;
    }

    /// <summary>Exit 0 when every dataset read; 1 when one is invalid; 2 when a dataset named is absent (and none invalid).</summary>
    public static int Verify(string[] names)
    {
        var entries = names.Length == 0 ? DatasetRegistry.WithFiles : names.Select(n => CliSupport.Input(() => Find(n))).ToList();
        int invalid = 0, absent = 0;
        foreach (var e in entries)
        {
            var dir = e.Locate();
            if (dir is null)
            {
                Console.WriteLine($"{e.Name,-26} absent   (fetch with {e.Script})");
                if (names.Length > 0) absent++;
                continue;
            }
            try
            {
                Console.WriteLine($"{e.Name,-26} ok       {e.Verify!(dir)} in {dir}");
            }
            catch (Exception ex) when (ex is IOException or ArgumentException or InvalidOperationException)
            {
                Console.WriteLine($"{e.Name,-26} INVALID  {ex.Message}");
                invalid++;
            }
        }
        if (invalid > 0)
        {
            Console.Error.WriteLine($"snn data verify: {invalid} dataset(s) failed verification.");
            return ExitCodes.Failed;
        }
        if (absent > 0)
        {
            Console.Error.WriteLine($"snn data verify: {absent} dataset(s) named are absent; fetch them with the scripts listed.");
            return ExitCodes.Usage;
        }
        return ExitCodes.Ok;
    }

    public static int Emulate(int train, int test, int seed, string? output)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        void Report(string split, int done, int total)
        {
            if (done % 2000 == 0 || done == total) Console.WriteLine($"[emulate] {split} {done}/{total} ({clock.Elapsed.TotalSeconds:F0} s)");
        }
        var (root, made, madeTest) = CliSupport.Input(() => EmulatedNFashionMnist.Make(train, test, seed, output, Report));
        Console.WriteLine($"EMULATED N-Fashion-MNIST ({made} train, {madeTest} test) in {root}");
        return ExitCodes.Ok;
    }
}
