using System.CommandLine;
using System.Diagnostics;
using Snn.Experiments;

namespace Snn.Cli;

/// <summary>
/// `snn sweep CONFIG [--shard i/n]`: every run of a grid (<see cref="Sweep"/>), one after the other, each through
/// <see cref="ExperimentRunner"/> (finished runs are skipped, interrupted ones resume). Shards split the runs with no
/// coordination, so a cluster's array job can run them on many machines into one shared results folder.
/// </summary>
internal static class SweepCommand
{
    public const string Description = """
        Run a grid of experiment runs: a config (docs/experiments.md) with "grid": {"plan.K": [8, 4, 1], "seed": [0, 1, 2]}.
        Each combination is its own run in DIR/<experiment>/<run id>/ (default results/): finished runs are skipped,
        interrupted ones resume, so rerunning the same command continues a sweep. `--shard i/n` runs only the runs whose
        position is i modulo n (0 ≤ i < n): n processes or machines with the same results folder never share a run.
        Under a Slurm array job, --shard defaults to SLURM_ARRAY_TASK_ID − SLURM_ARRAY_TASK_MIN / SLURM_ARRAY_TASK_COUNT.
        Every config of the grid is checked before the first run (exit 2, nothing written); exit 1 if any run failed.
        """;

    /// <summary>Runs `snn sweep ARGS` (the same parsing, messages and exit codes as the command line).</summary>
    public static int Run(string[] args) => Cli.Run(["sweep", .. args]);

    public static Command Create()
    {
        var config = new Argument<string>("CONFIG") { Description = "a sweep config: an experiment config with a \"grid\" object (docs/experiments.md)" };
        var results = new Option<string>("--results")
        {
            Description = "the results root; runs go to DIR/<experiment>/<run id>/",
            HelpName = "DIR",
            DefaultValueFactory = _ => ExperimentRunner.DefaultResults,
        };
        var shard = new Option<string?>("--shard")
        {
            Description = "run shard i of n (0 ≤ i < n): the runs whose position ≡ i mod n; "
                + $"default from {SweepShard.SlurmTaskId}/{SweepShard.SlurmTaskCount} under Slurm, else all",
            HelpName = "i/n",
        };
        var list = new Option<bool>("--list") { Description = "print the runs (of the shard) with their run ids and status, and run nothing" };
        var command = new Command("sweep", Description) { config, results, shard, list };
        command.SetAction(r => CliSupport.Guarded("snn sweep", () =>
            Execute(r.GetValue(config)!, r.GetValue(results)!, r.GetValue(shard), r.GetValue(list))));
        return command;
    }

    private static int Execute(string path, string resultsRoot, string? shardText, bool list)
    {
        if (!File.Exists(path))
            throw new UsageException($"{path}: sweep config not found; expected an experiment config with a \"grid\" (JSON, docs/experiments.md).");
        var (index, count, source) = CliSupport.Input(() => SweepShard.Resolve(shardText, Environment.GetEnvironmentVariable));
        var profile = CliSupport.Input(() => Profiles.Current);
        Sweep sweep;
        try { sweep = Sweep.Load(path, profile); }
        catch (ExperimentConfigException e) { throw new UsageException($"{path}: {e.Message}"); }
        var runs = sweep.Shard(index, count);
        // The runners read $SNN_CHECKPOINT_INTERVAL: a bad value is an input error.
        var runners = CliSupport.Input(() => runs.Select(r => (Run: r, Runner: new ExperimentRunner(r.Config, resultsRoot, profile))).ToList());
        var shardLabel = count == 1 ? "" : $" shard {index}/{count} ({source}):";
        var finished = runners.Count(r => ExperimentRunner.ReadSummary(r.Runner.RunDirectory) is not null);
        var repeats = sweep.Duplicates > 0 ? $" ({sweep.Duplicates} grid combinations repeat a run)" : "";
        Console.WriteLine($"{path}: {Plural(sweep.Runs.Count, "run")}{repeats};{shardLabel} " +
            $"{Plural(runs.Count, "run")} here, {finished} already done; results in {resultsRoot}");

        if (list)
        {
            foreach (var (run, runner) in runners)
                Console.WriteLine($"  #{run.Index,-4} {run.Config.Experiment}/{run.Config.RunId}  {Status(runner.RunDirectory),-10}  {run.Label}");
            return ExitCodes.Ok;
        }

        // Everything that can reject a run comes before the first one starts.
        foreach (var (run, runner) in runners)
        {
            try { runner.CheckCanStart(); }
            catch (ExperimentConfigException e) { throw new UsageException($"{path}: {e.Message} (run #{run.Index}: {run.Label})"); }
            catch (IOException e) { throw new UsageException(e.Message); }
        }

        var clock = Stopwatch.StartNew();
        int done = 0, trained = 0, skipped = 0;
        var failed = new List<string>();
        foreach (var (run, runner) in runners)
        {
            var eta = trained > 0 ? $", eta {FormatSpan(clock.Elapsed / trained * (runners.Count - done))}" : "";
            Console.WriteLine($"[{done + 1}/{runners.Count}{eta}] #{run.Index} {run.Label}");
            ExperimentResult? result;
            try { result = RunProgress.Run(runner, "snn sweep"); }
#pragma warning disable CA1031 // One failed run must not stop the others: it is reported and makes the exit code 1.
            catch (Exception e)
#pragma warning restore CA1031
            {
                CliSupport.ClearProgressLine();
                Console.Error.WriteLine($"snn sweep: run #{run.Index} ({run.Config.Experiment}/{run.Config.RunId}) failed: {CliSupport.Plain(e)}");
                result = null;
            }
            done++;
            if (result is null) { failed.Add($"#{run.Index} {run.Config.RunId}"); continue; }
            if (result.AlreadyDone)
            {
                skipped++;
                Console.WriteLine($"  already done: test accuracy {result.Summary.FinalTestAccuracy:P2}");
            }
            else
            {
                trained++;
                Console.WriteLine($"  test accuracy {result.Summary.FinalTestAccuracy:P2} after {result.Summary.Epochs} epoch(s) → {result.Directory}");
            }
        }
        Console.WriteLine($"sweep{shardLabel} {trained} trained, {skipped} already done, {failed.Count} failed in {FormatSpan(clock.Elapsed)}" +
            (failed.Count > 0 ? $": {string.Join(", ", failed)} (rerun the same command to retry them)" : ""));
        return failed.Count > 0 ? ExitCodes.Failed : ExitCodes.Ok;
    }

    private static string Status(string runDirectory) =>
        ExperimentRunner.ReadSummary(runDirectory) is not null ? "done"
        : File.Exists(Path.Combine(runDirectory, ExperimentRunner.FailureFile)) ? "failed"
        : File.Exists(Path.Combine(runDirectory, ExperimentRunner.ConfigFile)) ? "started"
        : "to do";

    private static string Plural(int n, string noun) => n == 1 ? $"1 {noun}" : $"{n} {noun}s";

    private static string FormatSpan(TimeSpan t) => t.TotalHours >= 1 ? $"{(int)t.TotalHours}h{t.Minutes:D2}m" : $"{t.Minutes}m{t.Seconds:D2}s";
}
