using System.Diagnostics;
using Snn.Costs;
using Snn.Data;
using Snn.Layers;
using Snn.Networks;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn.functional;
using Snn.Encoders;
using Snn.Optimization;
using Snn.Plans;
using Snn.Measurement;

namespace Snn.Training;

/// <summary>
/// Trains a <see cref="SpikingNetwork"/> following a <see cref="TrainingPlan"/> — one loop for BPTT,
/// truncated BPTT, local and truncated-local training. Per batch: reset state; per window of K steps,
/// per block in order: take the block input (previous block's output spikes, detached), run the block
/// from its carried state, compute the block loss (last block: network readout; others: their local
/// head), backpropagate inside this block and window, step this block's optimizer (or accumulate until
/// the end of the batch), carry the state on detached. Each block runs in its own dispose scope, so its
/// graph is freed before the next block runs. Evaluation always runs the full T with the readout only.
/// </summary>
public sealed partial class Trainer
{
    private readonly SpikingNetwork network;
    private readonly IEncoder encoder;
    private readonly Device device;
    private readonly IReadOnlyList<(int Start, int Count)> blocks;
    private readonly ChunkedAdam[] optimizers;
    private long optimizerSteps;
    private long totalSteps;   // 0 outside Fit: TrainStep then uses the base learning rate

    public Trainer(SpikingNetwork network, TrainingPlan plan, TrainerOptions? options = null, IEncoder? encoder = null, Device? device = null)
    {
        this.network = network;
        Plan = plan.ValidatedFor(network.Stages.Count);
        Options = (options ?? new TrainerOptions()).Validated();
        this.encoder = encoder ?? new DirectEncoder();
        this.device = device ?? torch.CPU;
        blocks = Plan.Blocks(network.Stages.Count);
        var dtype = network.parameters().First().dtype;
        Heads = new LocalHeads(blocks.Take(blocks.Count - 1).Select((b, i) =>
            new LocalHead(network.Stages[b.Start + b.Count - 1].OutputShape, network.Classes, Plan.Head, $"head{i}")));
        Heads.to(dtype);
        network.to(this.device);
        Heads.to(this.device);
        optimizers = blocks.Select((b, i) =>
        {
            var ps = Enumerable.Range(b.Start, b.Count).SelectMany(s => network.Stages[s].parameters()).ToList();
            if (i < Heads.Count) ps.AddRange(Heads[i].parameters().Where(p => p.requires_grad));
            return new ChunkedAdam(ps, lr: Options.LearningRate);   // Adam without its two parameter-sized temporaries
        }).ToArray();
    }

    public TrainingPlan Plan { get; }
    public TrainerOptions Options { get; }
    public SpikingNetwork Network => network;
    /// <summary>The local heads (one per block but the last); trained with their blocks and saved in checkpoints.</summary>
    public LocalHeads Heads { get; }
    /// <summary>Blocks (first stage, number of stages) in order.</summary>
    public IReadOnlyList<(int Start, int Count)> Blocks => blocks;

    /// <summary>Trains for <see cref="TrainerOptions.Epochs"/> epochs, evaluating on <paramref name="test"/> after each.</summary>
    public TrainingHistory Fit(ImageDataset train, ImageDataset? test = null, Action<TrainingProgress>? progress = null)
    {
        CheckShapes(train);
        if (test is not null) CheckShapes(test);
        var history = new TrainingHistory(network.Spec, Plan);
        var batches = train.BatchCount(Options.BatchSize);
        totalSteps = (long)Options.Epochs * batches * (Plan.Update == UpdatePolicy.Accumulate ? 1 : Plan.WindowCount);
        optimizerSteps = 0;
        var firstEpoch = 1;
        if (Options.CheckpointPath is { } path && File.Exists(path))
        {
            if (!Options.Resume)
                throw new IOException($"Checkpoint '{path}' already exists; set Resume = true to continue that run, or choose another CheckpointPath (it is never overwritten silently).");
            firstEpoch = LoadCheckpoint(path, history) + 1;
        }
        long seen = history.Epochs.Count > 0 ? history.Epochs[^1].SamplesSeen : 0;
        var measured = Enumerable.Range(2, 3).Select(i => Math.Min(i, batches)).ToHashSet();   // batch 1 also allocates the optimizer state
        for (var epoch = firstEpoch; epoch <= Options.Epochs; epoch++)
        {
            var clock = Stopwatch.StartNew();
            var lastReport = TimeSpan.Zero;
            double lossSum = 0, correct = 0;
            var blockLoss = new double[blocks.Count];
            var blockCorrect = new double[blocks.Count];
            var spikes = new double[network.Stages.Count];
            var elements = new double[network.Stages.Count];
            long? peak = null;
            var samples = 0;
            var lr = CurrentLearningRate();
            network.train();
            Heads.train();
            var b = 0;
            foreach (var (x, y) in Batches(train, shuffle: true, seed: Options.Seed + epoch))
            {
                using var scope = torch.NewDisposeScope();
                scope.Attach([x, y]);   // made by the iterator before this scope existed
                b++;
                BatchOutcome outcome = null!;
                if (Options.MeasureMemory && measured.Contains(b))
                {
                    var bytes = MemoryMeter.Measure(device, () => outcome = RunBatch(x, y, step: true));
                    if (bytes is { } v) peak = peak is { } p ? Math.Min(p, v) : v;
                }
                else outcome = RunBatch(x, y, step: true);
                var n = (int)y.shape[0];
                if (!double.IsFinite(outcome.Loss) || outcome.BlockLosses.Any(l => !double.IsFinite(l)))
                    throw new TrainingDivergedException($"Training diverged: loss {outcome.Loss} (per block: {string.Join(", ", outcome.BlockLosses.Select(l => l.ToString("G4")))}) at epoch {epoch}, batch {b} of {batches} ({Plan}, lr {lr:G3}). Lower the learning rate or check the input scaling; nothing was written.");
                lossSum += outcome.Loss * n;
                correct += outcome.Correct;
                for (var m = 0; m < blocks.Count; m++) { blockLoss[m] += outcome.BlockLosses[m] * n; blockCorrect[m] += outcome.BlockCorrect[m]; }
                for (var s = 0; s < spikes.Length; s++) { spikes[s] += outcome.SpikeCounts[s]; elements[s] += outcome.SpikeElements[s]; }
                samples += n;
                seen += n;
                history.Batches.Add(new BatchMetrics(epoch, b, seen, outcome.Loss, (double)outcome.Correct / n,
                    blocks.Count > 1 ? outcome.BlockLosses : null));
                if (progress is not null && (clock.Elapsed - lastReport >= Options.ProgressInterval || b == batches))
                {
                    lastReport = clock.Elapsed;
                    progress(new TrainingProgress(ProgressKind.Batch, epoch, Options.Epochs, b, batches, lossSum / samples, correct / samples, clock.Elapsed, null));
                }
            }
            var eval = test is null ? null : Evaluate(test);
            var rates = Enumerable.Range(0, spikes.Length).Where(s => network.Stages[s].IsSpiking).Select(s => spikes[s] / Math.Max(1, elements[s])).ToArray();
            var metrics = new EpochMetrics(epoch, lossSum / samples, correct / samples, eval?.Loss, eval?.Accuracy, clock.Elapsed.TotalSeconds, seen, lr,
                blockLoss.Select(l => l / samples).ToArray(), blockCorrect.Select(c => c / samples).ToArray(), rates, peak);
            history.Epochs.Add(metrics);
            if (Options.CheckpointPath is { } checkpoint) SaveCheckpoint(checkpoint, history, epoch);
            progress?.Invoke(new TrainingProgress(ProgressKind.Epoch, epoch, Options.Epochs, batches, batches, metrics.TrainLoss, metrics.TrainAccuracy, clock.Elapsed, metrics));
        }
        totalSteps = 0;
        return history;
    }

    /// <summary>
    /// Gradients of the plan for one batch at the current weights, without stepping any optimizer:
    /// every window and block backpropagates as in training (same cuts), and the gradients add up with
    /// each window weighted by its length / T (so K = T with one block gives exactly the BPTT gradient).
    /// Keys are parameter names ("stages.0.…" for the network, "heads.0.…" for local heads); values are
    /// detached copies owned by the caller. For K = T and one block this is the BPTT gradient.
    /// </summary>
    public Dictionary<string, Tensor> ComputeGradients(Tensor images, Tensor labels) => ComputeGradients(images, labels, out _);

    /// <inheritdoc cref="ComputeGradients(Tensor, Tensor)"/>
    public Dictionary<string, Tensor> ComputeGradients(Tensor images, Tensor labels, out BatchOutcome outcome)
    {
        using (var scope = torch.NewDisposeScope())
        {
            outcome = RunBatch(images, labels, step: false);
        }
        var result = new Dictionary<string, Tensor>();
        foreach (var (name, p) in network.named_parameters())
            result[name] = (p.grad?.detach().clone() ?? torch.zeros_like(p)).DetachFromDisposeScope();
        foreach (var (name, p) in Heads.named_parameters().Where(np => np.parameter.requires_grad))
            result[name] = (p.grad?.detach().clone() ?? torch.zeros_like(p)).DetachFromDisposeScope();
        ZeroGrad();
        return result;
    }

    /// <summary>
    /// One training step on one batch (all windows and blocks) with the plan's updates, returning its
    /// metrics: for benchmarks and memory measurements. Outside <see cref="Fit"/> the learning rate is the base rate.
    /// </summary>
    public BatchOutcome TrainStep(Tensor images, Tensor labels)
    {
        using var scope = torch.NewDisposeScope();
        return RunBatch(images, labels, step: true);
    }

    private BatchOutcome RunBatch(Tensor images, Tensor labels, bool step)
    {
        using var batchScope = torch.NewDisposeScope();
        var stages = network.Stages;
        var accumulate = !step || Plan.Update == UpdatePolicy.Accumulate;
        var n = labels.shape[0];
        var blockLoss = new double[blocks.Count];
        var dtype = network.parameters().First().dtype;
        var scoreSums = blocks.Select(_ => torch.zeros(n, network.Classes, dtype: dtype, device: device)).ToArray();
        var spikeCounts = new double[stages.Count];
        var spikeElements = new double[stages.Count];
        network.ResetState();
        try
        {
            var input = encoder.Encode(images, Plan.TimeSteps);
            ZeroGrad();
            foreach (var (start, length) in Plan.Windows())
            {
                using var windowScope = torch.NewDisposeScope();
                var blockInput = input.narrow(0, start, length);
                for (var m = 0; m < blocks.Count; m++)
                {
                    // The block's graph and activations die with this scope; only its detached output moves out.
                    using var blockScope = torch.NewDisposeScope();
                    var (first, count) = blocks[m];
                    var h = blockInput;   // detached: the previous block's output, or the (grad-free) encoded input
                    for (var s = first; s < first + count; s++)
                    {
                        h = stages[s].forward(h);
                        if (stages[s].IsSpiking)
                        {
                            spikeCounts[s] += h.detach().sum().to_type(ScalarType.Float64).item<double>();
                            spikeElements[s] += h.numel();
                        }
                    }
                    var last = m == blocks.Count - 1;
                    var scores = last ? h.mean([0]) : Heads[m].forward(h.mean([0]));
                    var loss = LossOf(scores, labels);
                    // Accumulated windows are weighted by length/T so that K = T reproduces the BPTT loss exactly.
                    if (!accumulate) optimizers[m].zero_grad(set_to_none: true);   // this window's gradient only
                    (accumulate ? loss * ((double)length / Plan.TimeSteps) : loss).backward();
                    if (!accumulate) StepBlock(m);
                    for (var s = first; s < first + count; s++) stages[s].DetachState();
                    blockLoss[m] += loss.detach().to_type(ScalarType.Float64).item<double>() * length;
                    scoreSums[m].add_(scores.detach().to_type(scoreSums[m].dtype), alpha: length);
                    blockInput = last ? blockInput : h.detach().MoveToOuterDisposeScope();
                }
            }
            if (step && accumulate)
                for (var m = 0; m < blocks.Count; m++) StepBlock(m);
            var blockCorrect = scoreSums.Select(sum => sum.argmax(1).eq(labels).sum().item<long>()).ToArray();
            var losses = blockLoss.Select(l => l / Plan.TimeSteps).ToArray();
            var readout = (scoreSums[^1] / Plan.TimeSteps).to_type(ScalarType.Float64).cpu().data<double>().ToArray();
            return new BatchOutcome(losses[^1], blockCorrect[^1], losses, blockCorrect, spikeCounts, spikeElements, readout);
        }
        finally
        {
            network.ResetState();
        }
    }

    private Tensor LossOf(Tensor scores, Tensor labels) => Plan.Loss switch
    {
        LossKind.CrossEntropy => cross_entropy(scores, labels),
        LossKind.RateMse => mse_loss(scores, one_hot(labels, scores.shape[1]).to_type(scores.dtype)),
        _ => throw new InvalidOperationException($"Unknown loss {Plan.Loss}."),
    };

    private void ZeroGrad()
    {
        foreach (var o in optimizers) o.zero_grad(set_to_none: true);
    }

    private void StepBlock(int block)
    {
        var lr = CurrentLearningRate();
        foreach (var g in optimizers[block].ParamGroups) g.LearningRate = lr;
        optimizers[block].step();
        if (block == blocks.Count - 1) optimizerSteps++;   // every block steps once per update
    }

    /// <summary>Cosine annealing from the base rate to zero over all optimizer steps of the run.</summary>
    private double CurrentLearningRate() => Options.CosineSchedule && totalSteps > 0
        ? Options.LearningRate * 0.5 * (1 + Math.Cos(Math.PI * Math.Min(optimizerSteps, totalSteps) / totalSteps))
        : Options.LearningRate;

    /// <summary>Full-T evaluation (no truncation, network readout only): prediction = argmax of the readout averaged over T.</summary>
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
                lossSum += LossOf(logits, y).to_type(ScalarType.Float64).item<double>() * y.shape[0];
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
        var stepShape = encoder.StepShape(data.SampleShape);
        if (!stepShape.SequenceEqual(network.InputShape))
            throw new ArgumentException($"{data.Name} has samples of shape [{string.Join("×", data.SampleShape)}] ({encoder.Name} encoder: [{string.Join("×", stepShape)}] per step) but network {network.Spec} expects [{string.Join("×", network.InputShape)}].");
        if (data.ClassNames.Count != network.Classes)
            throw new ArgumentException($"{data.Name} has {data.ClassNames.Count} classes but network {network.Spec} has {network.Classes} outputs.");
    }
}
