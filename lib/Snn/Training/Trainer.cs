using System.Diagnostics;
using Snn.Data;
using Snn.Layers;
using Snn.Networks;
using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn.functional;

namespace Snn.Training;

/// <summary>Optimisation settings (defaults: ../shared/design/paper.md — Adam, lr 1e-3, cosine schedule).</summary>
public sealed record TrainerOptions
{
    public int Epochs { get; init; } = 1;
    public int BatchSize { get; init; } = 64;
    public int EvalBatchSize { get; init; } = 500;
    public double LearningRate { get; init; } = 1e-3;
    /// <summary>Anneal the learning rate to zero over all optimizer steps of the run (cosine).</summary>
    public bool CosineSchedule { get; init; } = true;
    /// <summary>Seeds the shuffling (epoch e uses Seed + e).</summary>
    public int Seed { get; init; } = 0;
    /// <summary>Minimum time between two batch progress reports.</summary>
    public TimeSpan ProgressInterval { get; init; } = TimeSpan.FromSeconds(1);

    public TrainerOptions Validated()
    {
        if (Epochs < 1) throw new ArgumentOutOfRangeException(nameof(Epochs), Epochs, "Epochs must be ≥ 1.");
        if (BatchSize < 1) throw new ArgumentOutOfRangeException(nameof(BatchSize), BatchSize, "Batch size must be ≥ 1.");
        if (EvalBatchSize < 1) throw new ArgumentOutOfRangeException(nameof(EvalBatchSize), EvalBatchSize, "Evaluation batch size must be ≥ 1.");
        if (!(LearningRate > 0)) throw new ArgumentOutOfRangeException(nameof(LearningRate), LearningRate, "Learning rate must be > 0.");
        return this;
    }
}

/// <summary>
/// Trains a <see cref="SpikingNetwork"/> on an <see cref="ImageDataset"/> following a <see cref="TrainingPlan"/>.
/// Per batch: reset state; per window of K steps: forward from the carried state, cross-entropy on the
/// window-averaged readout, backward inside the window, optimizer step, detach the state.
/// Evaluation always runs the full T without truncation.
/// </summary>
public sealed class Trainer
{
    private readonly SpikingNetwork network;
    private readonly IEncoder encoder;
    private readonly optim.Optimizer optimizer;
    private readonly Device device;

    public Trainer(SpikingNetwork network, TrainingPlan plan, TrainerOptions? options = null, IEncoder? encoder = null, Device? device = null)
    {
        this.network = network;
        Plan = plan.Validated();
        Options = (options ?? new TrainerOptions()).Validated();
        this.encoder = encoder ?? new DirectEncoder();
        this.device = device ?? torch.CPU;
        network.to(this.device);
        optimizer = optim.Adam(network.parameters(), lr: Options.LearningRate);
    }

    public TrainingPlan Plan { get; }
    public TrainerOptions Options { get; }
    public SpikingNetwork Network => network;

    /// <summary>Trains for <see cref="TrainerOptions.Epochs"/> epochs, evaluating on <paramref name="test"/> after each.</summary>
    public TrainingHistory Fit(ImageDataset train, ImageDataset? test = null, Action<TrainingProgress>? progress = null)
    {
        CheckShapes(train);
        if (test is not null) CheckShapes(test);
        var history = new TrainingHistory(network.Spec, Plan);
        var batches = train.BatchCount(Options.BatchSize);
        var totalSteps = Options.Epochs * batches * Plan.WindowCount;
        var schedule = Options.CosineSchedule ? optim.lr_scheduler.CosineAnnealingLR(optimizer, totalSteps) : null;
        long seen = 0;
        for (var epoch = 1; epoch <= Options.Epochs; epoch++)
        {
            var clock = Stopwatch.StartNew();
            var lastReport = TimeSpan.Zero;
            double lossSum = 0, correct = 0;
            var samples = 0;
            var lr = optimizer.ParamGroups.First().LearningRate;
            network.train();
            var b = 0;
            foreach (var (x, y) in Batches(train, shuffle: true, seed: Options.Seed + epoch))
            {
                using var scope = torch.NewDisposeScope();
                scope.Attach([x, y]);   // made by the iterator before this scope existed
                var (loss, hits) = TrainBatch(x, y, schedule);
                b++;
                var n = (int)y.shape[0];
                if (!double.IsFinite(loss))
                    throw new TrainingDivergedException($"Training diverged: loss {loss} at epoch {epoch}, batch {b} of {batches} ({Plan}, lr {lr:G3}). Lower the learning rate or check the input scaling; nothing was written.");
                lossSum += loss * n;
                correct += hits;
                samples += n;
                seen += n;
                history.Batches.Add(new BatchMetrics(epoch, b, seen, loss, hits / n));
                if (progress is not null && (clock.Elapsed - lastReport >= Options.ProgressInterval || b == batches))
                {
                    lastReport = clock.Elapsed;
                    progress(new TrainingProgress(ProgressKind.Batch, epoch, Options.Epochs, b, batches, lossSum / samples, correct / samples, clock.Elapsed, null));
                }
            }
            var eval = test is null ? null : Evaluate(test);
            var metrics = new EpochMetrics(epoch, lossSum / samples, correct / samples, eval?.Loss, eval?.Accuracy, clock.Elapsed.TotalSeconds, seen, lr);
            history.Epochs.Add(metrics);
            progress?.Invoke(new TrainingProgress(ProgressKind.Epoch, epoch, Options.Epochs, batches, batches, metrics.TrainLoss, metrics.TrainAccuracy, clock.Elapsed, metrics));
        }
        return history;
    }

    /// <summary>One mini-batch: all windows of the plan. Returns the time-weighted mean window loss and the number of correct predictions.</summary>
    private (double Loss, double Correct) TrainBatch(Tensor images, Tensor labels, optim.lr_scheduler.LRScheduler? schedule)
    {
        network.ResetState();
        var input = encoder.Encode(images, Plan.TimeSteps);
        using var readoutSum = torch.zeros(labels.shape[0], network.Classes, device: device).DetachFromDisposeScope();
        double lossSum = 0;
        foreach (var (start, length) in Plan.Windows())
        {
            // Each window's graph and activations are freed before the next window runs.
            using var window = torch.NewDisposeScope();
            optimizer.zero_grad();
            var readout = network.forward(input.narrow(0, start, length));
            var loss = cross_entropy(readout.mean([0]), labels);
            loss.backward();
            optimizer.step();
            schedule?.step();
            network.DetachState();
            readoutSum.add_(readout.detach().sum([0]));
            lossSum += loss.item<float>() * length;
        }
        var correct = readoutSum.argmax(1).eq(labels).sum().item<long>();
        network.ResetState();
        return (lossSum / Plan.TimeSteps, correct);
    }

    /// <summary>Full-T evaluation (no truncation): prediction = argmax of the readout averaged over T.</summary>
    public Evaluation Evaluate(ImageDataset data)
    {
        CheckShapes(data);
        var clock = Stopwatch.StartNew();
        network.eval();
        double lossSum = 0;
        long correct = 0;
        using (torch.no_grad())
        {
            foreach (var (x, y) in Batches(data, shuffle: false, seed: 0, Options.EvalBatchSize))
            {
                using var scope = torch.NewDisposeScope();
                scope.Attach([x, y]);
                network.ResetState();
                var logits = network.forward(encoder.Encode(x, Plan.TimeSteps)).mean([0]);
                lossSum += cross_entropy(logits, y, reduction: nn.Reduction.Sum).item<float>();
                correct += logits.argmax(1).eq(y).sum().item<long>();
            }
        }
        network.ResetState();
        network.train();
        return new Evaluation(lossSum / data.Count, (double)correct / data.Count, data.Count, clock.Elapsed.TotalSeconds);
    }

    private IEnumerable<(Tensor, Tensor)> Batches(ImageDataset data, bool shuffle, int seed, int? batchSize = null) =>
        data.Batches(batchSize ?? Options.BatchSize, shuffle, seed, device.type == DeviceType.CPU ? null : device);

    private void CheckShapes(ImageDataset data)
    {
        if (!data.SampleShape.SequenceEqual(network.InputShape))
            throw new ArgumentException($"{data.Name} has samples of shape [{string.Join("×", data.SampleShape)}] but network {network.Spec} expects [{string.Join("×", network.InputShape)}].");
        if (data.ClassNames.Count != network.Classes)
            throw new ArgumentException($"{data.Name} has {data.ClassNames.Count} classes but network {network.Spec} has {network.Classes} outputs.");
    }
}
