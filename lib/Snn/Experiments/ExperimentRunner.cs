using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Snn.Costs;
using Snn.IO;
using Snn.Networks;
using Snn.Training;
using TorchSharp;

namespace Snn.Experiments;

/// <summary>
/// Runs one <see cref="ExperimentConfig"/> into results/&lt;experiment&gt;/&lt;run id&gt;/ (layout: docs/experiments.md).
/// A finished run (summary.json present) is never redone; an interrupted one (killed at any moment) resumes from its
/// last checkpoint, written after every epoch and every <see cref="CheckpointInterval"/> within one, and ends bitwise
/// as an uninterrupted run. A config that cannot run (key, dataset, device) writes nothing.
/// </summary>
public sealed class ExperimentRunner(ExperimentConfig config, string resultsRoot = ExperimentRunner.DefaultResults, Profile? profile = null)
{
    public const string DefaultResults = "results";
    public const string ConfigFile = "config.json";
    public const string SummaryFile = "summary.json";
    public const string EpochsCsv = "epochs.csv";
    public const string EpochsJsonl = "epochs.jsonl";
    public const string CostsFile = "costs.json";
    public const string EnvironmentFile = "environment.jsonl";
    public const string CheckpointFile = "checkpoint.bin";
    public const string ModelFile = "model.bin";
    public const string FailureFile = "failure.json";
    public const string TensorBoardFolder = "tb";
    /// <summary>A study's pre-registration in results/&lt;experiment&gt;/ (docs/studies.md): its SHA-256 is recorded with every run.</summary>
    public const string PreregistrationFile = "plan.json";

    internal static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };
    private static readonly JsonSerializerOptions IndentedJson = new(Json) { WriteIndented = true };

    /// <summary>The environment variable that sets <see cref="CheckpointInterval"/>: seconds (0: after every batch).</summary>
    public const string CheckpointIntervalVariable = "SNN_CHECKPOINT_INTERVAL";

    /// <summary>The mid-epoch checkpoint interval when <see cref="CheckpointIntervalVariable"/> is unset.</summary>
    public static readonly TimeSpan StandardCheckpointInterval = TimeSpan.FromMinutes(2);

    public ExperimentConfig Config { get; } = config ?? throw new ArgumentNullException(nameof(config));

    /// <summary>
    /// Checkpoint within an epoch once this much time has passed since the last checkpoint (zero: after every batch),
    /// so a kill loses at most about this much work. Not a config key: it does not change the computation, so it must
    /// not change the run id. Default: <see cref="CheckpointIntervalFromEnvironment"/>.
    /// </summary>
    public TimeSpan CheckpointInterval { get; init; } = CheckpointIntervalFromEnvironment();

    /// <summary>$SNN_CHECKPOINT_INTERVAL in seconds, or <see cref="StandardCheckpointInterval"/> when unset.</summary>
    public static TimeSpan CheckpointIntervalFromEnvironment()
    {
        var text = Environment.GetEnvironmentVariable(CheckpointIntervalVariable);
        if (string.IsNullOrWhiteSpace(text)) return StandardCheckpointInterval;
        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds)
            && seconds >= 0 && seconds <= TimeSpan.MaxValue.TotalSeconds)
            return TimeSpan.FromSeconds(seconds);
        throw new ArgumentException(
            $"{CheckpointIntervalVariable}='{text}' is not a checkpoint interval; expected seconds ≥ 0 (e.g. 120; 0 = after every batch).",
            CheckpointIntervalVariable);
    }

    /// <summary>results/&lt;experiment&gt;/&lt;run id&gt;.</summary>
    public string RunDirectory { get; } = Path.Combine(resultsRoot, config.Experiment, config.RunId);

    /// <summary>The summary of a finished run in <paramref name="runDirectory"/>, or null when it has not finished.</summary>
    public static RunSummary? ReadSummary(string runDirectory)
    {
        var path = Path.Combine(runDirectory, SummaryFile);
        return File.Exists(path) ? JsonSerializer.Deserialize<RunSummary>(File.ReadAllText(path), Json) : null;
    }

    /// <summary>
    /// What would stop <see cref="Run"/> before its first write, checked without writing: the dataset or device missing
    /// (<see cref="ExperimentConfigException"/> naming the key) or the run folder holding another config
    /// (<see cref="IOException"/>). A finished run passes: it is only reported.
    /// </summary>
    public void CheckCanStart()
    {
        if (ReadSummary(RunDirectory) is not null) return;
        Config.CheckAvailable();
        var configPath = Path.Combine(RunDirectory, ConfigFile);
        if (File.Exists(configPath) && File.ReadAllText(configPath) != Config.CanonicalJson)
            throw new IOException($"{RunDirectory} holds a run of another config ({configPath} differs); it is never overwritten. "
                + "Remove the folder or choose another results root.");
    }

    /// <summary>
    /// The cost model's options for a run of <paramref name="config"/>: its encoding (direct input is analog and the same
    /// every step) and its optimizer (SGD keeps less state and does fewer MACs per update than Adam).
    /// </summary>
    internal static CostOptions CostOptionsOf(ExperimentConfig config)
    {
        var direct = config.Encoding == "direct";
        // The network's execution knobs change what a step holds: its costs.json counts them as the bench's model column does.
        return new CostOptions
        {
            AnalogInput = direct,
            InputConstantOverTime = direct,
            SynapseChunk = config.SynapseChunk,
            ConvolutionLayout = config.ConvolutionLayout,
        }.WithOptimizer(config.Optimizer);
    }

    /// <summary>Trains (or resumes, or reports the finished run). <paramref name="progress"/> sees every report after the run's files are updated.</summary>
    public ExperimentResult Run(Action<TrainingProgress>? progress = null)
    {
        var dir = RunDirectory;
        if (ReadSummary(dir) is { } done) return new ExperimentResult(dir, done, AlreadyDone: true);

        // Everything that can reject the config comes before the first write.
        CheckCanStart();
        var configPath = Path.Combine(dir, ConfigFile);
        var clock = Stopwatch.StartNew();
        var planSha256 = PreregistrationSha256();
        using var data = ExperimentData.Load(Config);
        var device = new torch.Device(Config.Device);
        Reproducibility.Seed(Config.Seed);
        using var network = NetworkSpec.Build(Config.Network, Config.InputShape);
        network.Precision = Config.Precision;
        network.ConvolutionLayout = Config.ConvolutionLayout;
        network.SynapseChunk = Config.SynapseChunk;
        var plan = Config.Plan;
        var checkpoint = Path.Combine(dir, CheckpointFile);
        var trainer = new Trainer(network, plan, Config.TrainerOptions() with
        {
            CheckpointPath = checkpoint,
            Resume = true,
            CheckpointInterval = CheckpointInterval,
            ProgressInterval = TimeSpan.FromMilliseconds(250),
        }, device);

        Directory.CreateDirectory(dir);
        File.Delete(Path.Combine(dir, FailureFile));
        AtomicFile.Write(configPath, Config.CanonicalJson);
        var costs = RunCosts.Of(CostModel.Estimate(network.Describe(), plan, Config.Batch, CostOptionsOf(Config)));
        AtomicFile.Write(Path.Combine(dir, CostsFile), JsonSerializer.Serialize(costs, IndentedJson) + "\n");

        var epochs = ReadEpochs(dir);
        var board = torch.utils.tensorboard.SummaryWriter(Path.Combine(dir, TensorBoardFolder));
        TrainingHistory history;
        try
        {
            history = trainer.Fit(data.Train, data.Test, p =>
            {
                if (p.Kind == ProgressKind.Epoch && p.Metrics is { } m)
                {
                    // After the trainer saved this epoch's checkpoint: the files never run ahead of it.
                    epochs.RemoveAll(e => e.Epoch >= m.Epoch);
                    epochs.Add(m);
                    WriteEpochs(dir, epochs);
                    Log(board, m);
                }
                progress?.Invoke(p);
            });
        }
        catch (TrainingDivergedException e)
        {
            AtomicFile.Write(Path.Combine(dir, FailureFile), JsonSerializer.Serialize(new { error = "diverged", message = e.Message }, IndentedJson) + "\n");
            throw;
        }
        finally
        {
            var info = RunInfo.Capture(profile ?? Profile.Quick, Config.Seed, clock, device) with { PlanSha256 = planSha256 };
            File.AppendAllText(Path.Combine(dir, EnvironmentFile), JsonSerializer.Serialize(info, Json) + "\n");
        }

        WriteEpochs(dir, history.Epochs);   // the checkpoint's history is the authority (fills an epoch lost to a kill)
        AtomicFile.Write(Path.Combine(dir, ModelFile), stream =>
        {
            using var writer = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true);
            network.save(writer);
        });
        var summary = Summarize(history, trainer.Schedule.Step, costs);
        AtomicFile.Write(Path.Combine(dir, SummaryFile), JsonSerializer.Serialize(summary, IndentedJson) + "\n");   // last: marks the run done
        return new ExperimentResult(dir, summary, AlreadyDone: false);
    }

    // The SHA-256 of results/<experiment>/plan.json when the study has one: the analysis refuses runs made under another plan.
    private string? PreregistrationSha256()
    {
        var path = Path.Combine(resultsRoot, Config.Experiment, PreregistrationFile);
        return File.Exists(path) ? Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(path))) : null;
    }

    private RunSummary Summarize(TrainingHistory history, long optimizerSteps, RunCosts costs)
    {
        var last = history.Last!;
        var best = history.Epochs.Where(e => e.TestAccuracy is not null).MaxBy(e => e.TestAccuracy!.Value);
        var peaks = history.Epochs.Where(e => e.PeakStepBytes is not null).Select(e => e.PeakStepBytes!.Value).ToList();
        return new RunSummary(Config.Experiment, Config.RunId, last.Epoch, last.TrainLoss, last.TrainAccuracy, last.TestLoss, last.TestAccuracy,
            best?.TestAccuracy, best?.Epoch, last.TestAccuracy is { } test ? last.TrainAccuracy - test : null,
            history.TotalSeconds, optimizerSteps, peaks.Count > 0 ? peaks.Max() : null, costs,
            history.CleanTrain?.Loss, history.CleanTrain?.Accuracy,
            history.CleanTrain is { } clean && last.TestAccuracy is { } finalTest ? clean.Accuracy - finalTest : null);
    }

    private static List<EpochMetrics> ReadEpochs(string dir)
    {
        var path = Path.Combine(dir, EpochsJsonl);
        if (!File.Exists(path)) return [];
        return File.ReadLines(path).Where(l => l.Length > 0).Select(l => JsonSerializer.Deserialize<EpochMetrics>(l, Json)!).ToList();
    }

    private static void WriteEpochs(string dir, IReadOnlyList<EpochMetrics> epochs)
    {
        AtomicFile.Write(Path.Combine(dir, EpochsJsonl), string.Concat(epochs.Select(e => JsonSerializer.Serialize(e, Json) + "\n")));
        AtomicFile.Write(Path.Combine(dir, EpochsCsv), EpochTable.Csv(epochs));
    }

    private static void Log(TorchSharp.Modules.SummaryWriter board, EpochMetrics m)
    {
        void Scalar(string tag, double? value) { if (value is { } v) board.add_scalar(tag, (float)v, m.Epoch); }
        Scalar("loss/train", m.TrainLoss);
        Scalar("accuracy/train", m.TrainAccuracy);
        Scalar("loss/test", m.TestLoss);
        Scalar("accuracy/test", m.TestAccuracy);
        Scalar("lr", m.LearningRate);
        Scalar("seconds/epoch", m.Seconds);
        Scalar("memory/peak_step_MiB", m.PeakStepBytes / (1024.0 * 1024.0));
        for (var i = 0; i < (m.BlockLosses?.Count ?? 0); i++) Scalar($"block_loss/block{i}", m.BlockLosses![i]);
        for (var i = 0; i < (m.FiringRates?.Count ?? 0); i++) Scalar($"firing_rate/stage{i}", m.FiringRates![i]);
    }
}
