using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Snn.Data;
using Snn.Experiments;
using Snn.Layers;
using Snn.Networks;
using Snn.Training;
using Snn.Plans;

namespace Snn.Cli;

/// <summary>
/// `snn train`: one run from the terminal with a progress bar: an experiment config (`snn train CONFIG.json`, run by
/// <see cref="ExperimentRunner"/> into results/&lt;experiment&gt;/&lt;run id&gt;/), or the flag form on Fashion-MNIST (`--out DIR`).
/// </summary>
internal static class TrainCommand
{
    public const string Description = """
        Train with a progress bar. `snn train CONFIG.json [--results DIR]` runs an experiment config (docs/experiments.md)
        into DIR/<experiment>/<run id>/ (default results/): a finished run is reported, not redone; an interrupted one
        (even killed) resumes from its checkpoint, written after every epoch and every $SNN_CHECKPOINT_INTERVAL seconds
        (default 120; 0 = every batch) within one; a bad config writes nothing and names the key (exit 2).
        The flag form `snn train --out DIR [--spec … --T … --K … --B …]` trains on Fashion-MNIST and writes
        DIR/config.json, DIR/epochs.csv, DIR/summary.json and DIR/checkpoint.bin (checkpointed likewise); an existing DIR
        is never overwritten: pass --resume to continue its checkpoint. Exit 1 if training diverges.
        """;

    /// <summary>Runs `snn train ARGS` (the same parsing, messages and exit codes as the command line).</summary>
    public static int Run(string[] args) => Cli.Run(["train", .. args]);

    public static Command Create()
    {
        var spec = new Option<string>("--spec")
        {
            Description = "network spec: nCk[sS][pP] conv, Pk/MPk/APk pooling, BN, Dp dropout, FCn (the last FC is the readout)",
            HelpName = "SPEC",
            DefaultValueFactory = _ => Zoo.CsnnSpec,
        };
        var timeSteps = CliSupport.Int("--T", "time steps T per sample", 4, min: 1);
        var truncation = new Option<string>("--K")
        {
            Description = "truncation length K (steps per BPTT window): 1 … T, or T for no truncation",
            HelpName = "K",
            DefaultValueFactory = _ => "T",
        };
        var block = new Option<string>("--B")
        {
            Description = "block size B (weight stages per locally trained block), or all for one end-to-end block",
            HelpName = "B",
            DefaultValueFactory = _ => "all",
        };
        var epochs = CliSupport.Int("--epochs", "training epochs", 1, min: 1);
        var batch = CliSupport.Int("--batch", "batch size", 64, min: 1);
        var lr = CliSupport.PositiveDouble("--lr", "learning rate (Adam)", 3e-3);
        var trainSamples = CliSupport.OptionalInt("--train-samples", "train on a seeded random subset of N training images (default: all 60 000)", min: 1);
        var seed = CliSupport.Int("--seed", "seed of the initialisation, the subset and the batch order", 0, min: int.MinValue);
        var data = new Option<string?>("--data")
        {
            Description = $"folder with the four Fashion-MNIST IDX files (default: ${DatasetRegistry.FashionMnist.Variable}, "
                + $"data/{DatasetRegistry.FashionMnist.Folder}, or Debian's {FashionMnist.DebianFolder})",
            HelpName = "DIR",
        };
        var output = new Option<string>("--out")
        {
            Description = "flag form: results folder (never a default place; an existing non-empty folder needs --resume)",
            HelpName = "DIR",
        };
        var config = new Argument<string?>("CONFIG")
        {
            Description = "an experiment config (JSON, docs/experiments.md); without it, the flag form with --out",
            Arity = ArgumentArity.ZeroOrOne,
        };
        var results = new Option<string>("--results")
        {
            Description = "with CONFIG: the results root; the run goes to DIR/<experiment>/<run id>/",
            HelpName = "DIR",
            DefaultValueFactory = _ => ExperimentRunner.DefaultResults,
        };
        var resume = new Option<bool>("--resume") { Description = "continue the checkpoint in --out instead of refusing to touch it" };
        var precision = new Option<string>("--precision")
        {
            Description = "the synapses' arithmetic: float32, or bf16 (mixed precision: conv/linear in bfloat16, weights, optimizer and neurons float32; docs/precision.md)",
            HelpName = "PRECISION",
            DefaultValueFactory = _ => "float32",
        };
        precision.AcceptOnlyFromAmong([.. ExperimentConfig.Precisions]);
        var command = new Command("train", Description)
        {
            config, results, spec, timeSteps, truncation, block, epochs, batch, lr, trainSamples, seed, data, output, resume, precision,
        };
        Option[] flagForm = [spec, timeSteps, truncation, block, epochs, batch, lr, trainSamples, seed, data, output, resume, precision];
        command.SetAction(r => CliSupport.Guarded("snn train", () =>
        {
            if (r.GetValue(config) is { } path)
            {
                var given = flagForm.Where(o => r.GetResult(o) is { Implicit: false }).Select(o => o.Name).ToList();
                if (given.Count > 0)
                    throw new UsageException($"{string.Join(", ", given)}: the flag form's options do not mix with CONFIG; set these in {path} (or drop CONFIG and use --out).");
                return RunConfig(path, r.GetValue(results)!);
            }
            if (r.GetResult(results) is { Implicit: false })
                throw new UsageException("--results needs CONFIG; the flag form writes to --out DIR.");
            if (r.GetValue(output) is null)
                throw new UsageException("give an experiment config (snn train CONFIG.json) or the flag form's results folder (--out DIR).");
            return Execute(new Settings(
            r.GetValue(spec)!, r.GetValue(timeSteps), r.GetValue(truncation)!, r.GetValue(block)!, r.GetValue(epochs), r.GetValue(batch),
            r.GetValue(lr), r.GetValue(trainSamples) ?? int.MaxValue, r.GetValue(seed), r.GetValue(data), r.GetValue(output)!, r.GetValue(resume),
            r.GetValue(precision) == "bf16" ? SynapsePrecision.BFloat16 : SynapsePrecision.Full));
        }));
        return command;
    }

    /// <summary>`snn train CONFIG.json`: everything that can reject the config (exit 2) before the first write.</summary>
    private static int RunConfig(string path, string resultsRoot)
    {
        if (!File.Exists(path)) throw new UsageException($"{path}: config file not found; expected an experiment config (JSON, docs/experiments.md).");
        ExperimentRunner runner;
        try
        {
            var profile = CliSupport.Input(() => Profiles.Current);
            var config = ExperimentConfig.Load(path, profile);
            runner = CliSupport.Input(() => new ExperimentRunner(config, resultsRoot, profile));   // $SNN_CHECKPOINT_INTERVAL
            runner.CheckCanStart();
        }
        catch (ExperimentConfigException e) { throw new UsageException($"{path}: {e.Message}"); }
        catch (IOException e) { throw new UsageException(e.Message); }

        var result = RunReporting(runner);
        if (result is null) return ExitCodes.Failed;
        var s = result.Summary;
        var accuracy = s.FinalTestAccuracy is { } a ? $"test accuracy {a:P2} (best {s.BestTestAccuracy:P2} at epoch {s.BestEpoch})" : "no test set";
        Console.WriteLine(result.AlreadyDone
            ? $"already done, not rerun: {accuracy} after {s.Epochs} epoch(s); results in {result.Directory}"
            : $"{accuracy} after {s.Epochs} epoch(s); results in {result.Directory}");
        return ExitCodes.Ok;
    }

    /// <summary>Runs (or reports) one config with the progress bar; null when training diverged (the message is printed).</summary>
    internal static ExperimentResult? RunReporting(ExperimentRunner runner, string command = "snn train")
    {
        var c = runner.Config;
        if (ExperimentRunner.ReadSummary(runner.RunDirectory) is null)
            Console.WriteLine($"{c.Experiment}/{c.RunId}: {c.Network}, {c.Plan}, {c.Dataset} → {runner.RunDirectory}");
        try { return runner.Run(Report); }
        catch (TrainingDivergedException e)
        {
            CliSupport.ClearProgressLine();
            Console.Error.WriteLine($"{command}: training diverged: {e.Message}; lower optimizer.lr in the config (the last checkpoint and failure.json are in {runner.RunDirectory}).");
            return null;
        }
    }

    /// <summary>The parsed options of one run.</summary>
    private sealed record Settings(
        string Spec, int TimeSteps, string K, string B, int Epochs, int Batch, double Lr, int TrainSamples, int Seed,
        string? DataDir, string OutDir, bool Resume, SynapsePrecision Precision);

    /// <summary>Library parameter → the option that sets it, for messages about bad values.</summary>
    private static readonly Dictionary<string, string> OptionOf = new()
    {
        ["TimeSteps"] = "--T", ["Truncation"] = "--K", ["BlockSize"] = "--B", ["Epochs"] = "--epochs",
        ["BatchSize"] = "--batch", ["LearningRate"] = "--lr",
    };

    private static int Execute(Settings s)
    {
        var (spec, timeSteps, epochs, batch, lr, seed, outDir, resume) = (s.Spec, s.TimeSteps, s.Epochs, s.Batch, s.Lr, s.Seed, s.OutDir, s.Resume);
        // Bad input first (exit 2), before anything is loaded or written.
        if (Directory.Exists(outDir) && Directory.EnumerateFileSystemEntries(outDir).Any() && !resume)
            throw new UsageException($"--out {outDir} already holds results; choose another --out or pass --resume to continue its checkpoint.");
        if (File.Exists(outDir)) throw new UsageException($"--out {outDir} is a file; expected a folder for the results.");
        int? k = s.K.Equals("T", StringComparison.OrdinalIgnoreCase) ? null
            : int.TryParse(s.K, NumberStyles.Integer, CultureInfo.InvariantCulture, out var kv) && kv >= 1 && kv <= timeSteps ? kv
            : throw new UsageException($"--K must be between 1 and T = {timeSteps} (or T); got {s.K}.");
        int? b = s.B.Equals("all", StringComparison.OrdinalIgnoreCase) ? null
            : int.TryParse(s.B, NumberStyles.Integer, CultureInfo.InvariantCulture, out var bv) && bv >= 1 ? bv
            : throw new UsageException($"--B must be a positive number of stages (or all); got {s.B}.");
        if (s.DataDir is { } d && !Directory.Exists(d))
            throw new UsageException($"--data {d}: folder not found; expected the folder with the four Fashion-MNIST IDX files.");

        var plan = CliSupport.Input(() => new TrainingPlan { TimeSteps = timeSteps, Truncation = k, BlockSize = b }.Validated(), OptionOf);
        Reproducibility.Seed(seed);
        var (fullTrain, test) = CliSupport.Input(() => FashionMnist.Load(s.DataDir));
        var train = fullTrain.Subset(s.TrainSamples, seed);
        var network = CliSupport.Input(() =>
        {
            try { return NetworkSpec.Build(spec, train.SampleShape); }
            catch (NetworkSpecException e) { throw new UsageException($"--spec {spec}: {e.Message}"); }
        });
        network.Precision = s.Precision;
        var options = new TrainerOptions
        {
            Epochs = epochs, BatchSize = batch, LearningRate = lr, Seed = seed,
            CheckpointPath = Path.Combine(outDir, "checkpoint.bin"), Resume = resume,
            CheckpointInterval = CliSupport.Input(ExperimentRunner.CheckpointIntervalFromEnvironment),
            ProgressInterval = TimeSpan.FromMilliseconds(250),
        };
        var trainer = CliSupport.Input(() => new Trainer(network, plan, options), OptionOf);

        // The work (an exception from here on is a failed run, exit 1).
        Directory.CreateDirectory(outDir);
        var config = Path.Combine(outDir, "config.json");
        if (!File.Exists(config)) File.WriteAllText(config, JsonSerializer.Serialize(new
        {
            spec, plan = plan.ToString(), timeSteps, truncation = plan.Truncation, blockSize = plan.BlockSize,
            epochs, batch, lr, seed, trainSamples = train.Count, testSamples = test.Count,
            precision = s.Precision == SynapsePrecision.BFloat16 ? "bf16" : "float32",
        }, new JsonSerializerOptions { WriteIndented = true }));
        Console.WriteLine($"{network.Spec}, {plan}, {train.Count} training images → {outDir}");

        TrainingHistory history;
        try { history = trainer.Fit(train.Encoded(), test.Encoded(), Report); }
        catch (TrainingDivergedException e)
        {
            CliSupport.ClearProgressLine();
            Console.Error.WriteLine($"snn train: training diverged: {e.Message}; try a smaller --lr (results so far are in {outDir}).");
            return ExitCodes.Failed;
        }
        File.WriteAllText(Path.Combine(outDir, "epochs.csv"), EpochTable.Csv(history.Epochs));
        var last = history.Last!;
        File.WriteAllText(Path.Combine(outDir, "summary.json"), JsonSerializer.Serialize(new
        {
            plan = plan.ToString(), testAccuracy = last.TestAccuracy, testLoss = last.TestLoss, seconds = history.TotalSeconds,
        }, new JsonSerializerOptions { WriteIndented = true }));
        Console.WriteLine($"test accuracy {last.TestAccuracy:P2} after {last.Epoch} epoch(s); results in {outDir}");
        return ExitCodes.Ok;
    }


    /// <summary>A one-line bar redrawn in place (a new line per finished epoch).</summary>
    private static DateTime lastLogLine = DateTime.MinValue;

    internal static void Report(TrainingProgress p)
    {
        if (p.Kind == ProgressKind.Epoch)
        {
            CliSupport.ClearProgressLine();
            Console.WriteLine(p);
            return;
        }
        // In a log file (a batch job): a plain line a minute instead of a bar redrawn with control codes.
        if (Console.IsErrorRedirected)
        {
            if (DateTime.UtcNow - lastLogLine < TimeSpan.FromMinutes(1)) return;
            lastLogLine = DateTime.UtcNow;
            Console.Error.WriteLine(p);
            return;
        }
        const int width = 30;
        var filled = (int)Math.Round(width * (double)p.Batch / p.Batches);
        var eta = p.Batch > 0 ? TimeSpan.FromSeconds(p.Elapsed.TotalSeconds * (p.Batches - p.Batch) / p.Batch) : TimeSpan.Zero;
        Console.Error.Write($"\repoch {p.Epoch}/{p.Epochs} [{new string('#', filled)}{new string('.', width - filled)}] {p.Batch}/{p.Batches} loss {p.Loss:F4} acc {p.Accuracy:P1} eta {eta:mm\\:ss}\u001b[K");
    }
}
