using System.CommandLine;
using Snn.Experiments;

namespace Snn.Cli;

/// <summary>
/// `snn train`: one run from the terminal with a progress bar, run by <see cref="ExperimentRunner"/> into
/// results/&lt;experiment&gt;/&lt;run id&gt;/: an experiment config (`snn train CONFIG.json`), or the same config given
/// as flags (<see cref="TrainFlags"/>).
/// </summary>
internal static class TrainCommand
{
    public const string Description = """
        Train with a progress bar. `snn train CONFIG.json [--results DIR]` runs an experiment config (docs/experiments.md)
        into DIR/<experiment>/<run id>/ (default results/): a finished run is reported, not redone; an interrupted one
        (even killed) resumes from its checkpoint, written after every epoch and every $SNN_CHECKPOINT_INTERVAL seconds
        (default 120; 0 = every batch) within one; a bad config writes nothing and names the key (exit 2).
        The flag form `snn train --dataset NAME [--spec … --T … --K … --B … --experiment NAME]` builds the same config
        from one flag per key (defaults as in configs) and runs it the same way, into the same run folder.
        Exit 1 if training diverges.
        """;

    /// <summary>Runs `snn train ARGS` (the same parsing, messages and exit codes as the command line).</summary>
    public static int Run(string[] args) => Cli.Run(["train", .. args]);

    public static Command Create()
    {
        var config = new Argument<string?>("CONFIG")
        {
            Description = "an experiment config (JSON, docs/experiments.md); without it, the flag form (--dataset …)",
            Arity = ArgumentArity.ZeroOrOne,
        };
        var results = new Option<string>("--results")
        {
            Description = "the results root; the run goes to DIR/<experiment>/<run id>/",
            HelpName = "DIR",
            DefaultValueFactory = _ => ExperimentRunner.DefaultResults,
        };
        var flags = TrainFlags.Create();
        // The flag form's own folder, data and resume switch before it ran through the runner: named, with what replaced them.
        (Option Option, string Message)[] gone =
        [
            (new Option<string>("--out") { Hidden = true },
                "--out is gone: the flag form runs like a config, into --results DIR/<experiment>/<run id>/ (default results/)."),
            (new Option<string>("--data") { Hidden = true },
                "--data is gone: the data are found as for configs ($SNN_DATA, $SNN_FASHION_MNIST_DIR, …; docs/experiments.md)."),
            (new Option<bool>("--resume") { Hidden = true },
                "--resume is gone: an interrupted run resumes from its checkpoint when the same command runs again."),
        ];
        var command = new Command("train", Description) { config, results };
        foreach (var (option, _) in flags.Concat(gone)) command.Add(option);
        command.SetAction(r => CliSupport.Guarded("snn train", () =>
        {
            if (gone.FirstOrDefault(g => r.GetResult(g.Option) is { Implicit: false }).Message is { } message) throw new UsageException(message);
            if (r.GetValue(config) is { } path)
            {
                var given = flags.Where(f => r.GetResult(f.Option) is { Implicit: false }).Select(f => f.Option.Name).ToList();
                if (given.Count > 0)
                    throw new UsageException(
                        $"{string.Join(", ", given)}: the flag form's options do not mix with CONFIG; set these in {path} (or drop CONFIG).");
                if (!File.Exists(path)) throw new UsageException($"{path}: config file not found; expected an experiment config (JSON, docs/experiments.md).");
                return Execute(profile => ExperimentConfig.Load(path, profile), e => $"{path}: {e.Message}", r.GetValue(results)!,
                    "optimizer.lr in the config");
            }
            if (r.GetResult(flags.First(f => f.Key == "dataset.name").Option) is null)
                throw new UsageException("give an experiment config (snn train CONFIG.json) or the flag form's dataset (--dataset NAME).");
            var flagOf = flags.ToDictionary(f => f.Key, f => f.Option.Name);
            return Execute(profile => ExperimentConfigBuilder.Build(TrainFlags.Settings(r, flags), profile),
                e => flagOf.TryGetValue(e.Key, out var flag) ? $"{flag} ({e.Key}){e.Message[e.Key.Length..]}" : e.Message, r.GetValue(results)!, "--lr");
        }));
        return command;
    }

    /// <summary>Checks everything that can reject the config (exit 2) before the first write, then runs it.</summary>
    private static int Execute(Func<Profile, ExperimentConfig> read, Func<ExperimentConfigException, string> name, string resultsRoot, string lrHint)
    {
        ExperimentRunner runner;
        try
        {
            var profile = CliSupport.Input(() => Profiles.Current);
            var config = read(profile);
            runner = CliSupport.Input(() => new ExperimentRunner(config, resultsRoot, profile));   // $SNN_CHECKPOINT_INTERVAL
            runner.CheckCanStart();
        }
        catch (ExperimentConfigException e) { throw new UsageException(name(e)); }
        catch (IOException e) { throw new UsageException(e.Message); }

        var result = RunProgress.Run(runner, lrHint: lrHint);
        if (result is null) return ExitCodes.Failed;
        var s = result.Summary;
        var accuracy = s.FinalTestAccuracy is { } a ? $"test accuracy {a:P2} (best {s.BestTestAccuracy:P2} at epoch {s.BestEpoch})" : "no test set";
        Console.WriteLine(result.AlreadyDone
            ? $"already done, not rerun: {accuracy} after {s.Epochs} epoch(s); results in {result.Directory}"
            : $"{accuracy} after {s.Epochs} epoch(s); results in {result.Directory}");
        return ExitCodes.Ok;
    }
}
