using System.Diagnostics;
using Snn.Data;
using Snn.IO;
using Snn.Measurement;
using Snn.Networks;
using Snn.Neurons;
using Snn.Optimization;
using Snn.Plans;
using TorchSharp;
using static TorchSharp.torch;

namespace Snn.Training;

/// <summary>
/// Trains a <see cref="SpikingNetwork"/> following a <see cref="TrainingPlan"/>: one loop for BPTT, truncated BPTT,
/// local and truncated-local training. One batch under the plan is <see cref="PlanStep"/>; this type runs epochs over
/// an <see cref="IBatchSource"/>, evaluates (always the full T, readout only), keeps the learning-rate schedule,
/// metrics, checkpoints and the per-epoch step-memory measurement.
/// </summary>
public sealed class Trainer
{
    private readonly SpikingNetwork network;
    private readonly Device device;
    private readonly TorchSharp.Modules.OptimizerHelper[] optimizers;
    private readonly LearningRateSchedule schedule;
    private readonly PlanStep step;
    private readonly StepSampler? sampler;

    public Trainer(SpikingNetwork network, TrainingPlan plan, TrainerOptions? options = null, Device? device = null)
    {
        this.network = network ?? throw new ArgumentNullException(nameof(network));
        Plan = plan.ValidatedFor(network.Stages.Count);
        Options = (options ?? new TrainerOptions()).Validated();
        this.device = device ?? torch.CPU;
        if (Options.RecomputeSegment is > 0 && network.Stages.FirstOrDefault(s => s.Norm is not null) is { } normed)
            throw new ArgumentException($"RecomputeSegment = {Options.RecomputeSegment}: recomputation is not available for networks with batch norm "
                + $"(stage '{normed.Spec}'): tdBN normalises over the whole folded window, so re-running a segment would change its statistics. "
                + "Set RecomputeSegment to null, or use a network without BN.", nameof(options));
        if (Plan.PresynapticTrace && network.Stages.Skip(1).FirstOrDefault(s => s.PresynapticTraceProblem is not null) is { } untraceable)
            throw new ArgumentException($"{Plan}: stage '{untraceable.Spec}' cannot keep a presynaptic trace: {untraceable.PresynapticTraceProblem}.",
                nameof(plan));
        Blocks = Plan.Blocks(network.Stages.Count);
        Heads = new LocalHeads(Blocks.Take(Blocks.Count - 1).Select((b, i) =>
            new LocalHead(network.Stages[b.Start + b.Count - 1].OutputShape, network.Classes, Plan.Head, $"head{i}")));
        Heads.to(network.parameters().First().dtype);
        network.to(this.device);
        Heads.to(this.device);
        optimizers = Blocks.Select((b, i) =>
        {
            var ps = Enumerable.Range(b.Start, b.Count).SelectMany(s => network.Stages[s].parameters()).ToList();
            if (i < Heads.Count) ps.AddRange(Heads[i].parameters().Where(p => p.requires_grad));
            return Options.Optimizer.Create(ps, Options.LearningRate);   // chunked: no parameter-sized temporaries
        }).ToArray();
        schedule = new LearningRateSchedule(Options.LearningRate, Options.CosineSchedule);
        // SLTT-K's steps come from a generator of their own, seeded by the run's seed and saved in checkpoints.
        sampler = Plan.SampledSteps is { } sampled ? new StepSampler(Options.Seed, Plan.TimeSteps, sampled) : null;
        step = new PlanStep(network, Plan, Blocks, Heads, optimizers, schedule, Options.RecomputeSegment is > 0 ? Options.RecomputeSegment : null, sampler,
            Options.SumConstantInputGradient);
    }

    public TrainingPlan Plan { get; }
    public TrainerOptions Options { get; }
    public SpikingNetwork Network => network;
    /// <summary>Where the network, heads and optimizer state live; batches are moved here.</summary>
    public Device Device => device;
    /// <summary>The local heads (one per block but the last); trained with their blocks and saved in checkpoints.</summary>
    public LocalHeads Heads { get; }
    /// <summary>Blocks (first stage, number of stages) in order.</summary>
    public IReadOnlyList<(int Start, int Count)> Blocks { get; }
    public LearningRateSchedule Schedule => schedule;
    /// <summary>One optimizer per block (tests compare their states).</summary>
    internal IReadOnlyList<TorchSharp.Modules.OptimizerHelper> Optimizers => optimizers;
    /// <summary>SLTT-K: the steps that backpropagated in the last batch, ascending; null for other plans or before a batch.</summary>
    internal IReadOnlyList<int>? LastSampledSteps => sampler?.Last;
    /// <summary>False: a constant input's synapse runs in every window of an accumulating plan, as before it was held (tests).</summary>
    internal bool HoldsConstantInput { get => step.HoldsConstantInput; set => step.HoldsConstantInput = value; }
    /// <summary>SLTT-K: the state of the step sampler's generator (tests compare it); null for other plans.</summary>
    internal byte[]? SamplerState => sampler?.State;

    /// <summary>
    /// Trains for <see cref="TrainerOptions.Epochs"/> epochs, evaluating on <paramref name="test"/> after each (or every
    /// <see cref="TrainerOptions.EvaluateEvery"/>-th and the last). With a
    /// <see cref="TrainerOptions.CheckpointPath"/> it checkpoints after every epoch and, as the options say, within
    /// epochs; with <see cref="TrainerOptions.Resume"/> it continues from that checkpoint at the next batch and ends
    /// bitwise as an uninterrupted run would, given batch sources whose passes depend only on their seed. With
    /// <see cref="TrainerOptions.EvaluateTrain"/> it then evaluates <paramref name="train"/> as it evaluates the test set.
    /// </summary>
    public TrainingHistory Fit(IBatchSource train, IBatchSource? test = null, Action<TrainingProgress>? progress = null)
    {
        CheckCompatible(train);
        if (test is not null) CheckCompatible(test);
        var history = new TrainingHistory(network.Spec, Plan);
        var batches = train.BatchCount(Options.BatchSize);
        var checkpoint = new TrainingCheckpoint(network, Plan, Options.Epochs, Heads, optimizers, schedule, sampler);
        schedule.Begin((long)Options.Epochs * batches * (Plan.Update == UpdatePolicy.Accumulate ? 1 : Plan.WindowCount));
        var firstEpoch = 1;
        PartialEpoch? resumed = null;
        // A save killed mid-write leaves its temporary file; the checkpoint itself is whole.
        if (Options.CheckpointPath is { } path && Options.Resume) AtomicFile.DiscardUnfinished(path);
        if (Options.CheckpointPath is { } existing && File.Exists(existing))
        {
            if (!Options.Resume)
                throw new IOException($"Checkpoint '{existing}' already exists; set Resume = true to continue that run, "
                    + "or choose another CheckpointPath (it is never overwritten silently).");
            var (finished, partial) = checkpoint.Load(existing, history);
            (firstEpoch, resumed) = (finished + 1, partial);
        }
        var sinceCheckpoint = Stopwatch.StartNew();
        try
        {
            for (var epoch = firstEpoch; epoch <= Options.Epochs; epoch++)
            {
                var clock = Stopwatch.StartNew();
                var partial = epoch == firstEpoch ? resumed : null;
                var done = partial?.Batches ?? 0;
                var secondsBefore = partial?.Seconds ?? 0;
                TimeSpan Elapsed() => TimeSpan.FromSeconds(secondsBefore) + clock.Elapsed;
                var lastReport = TimeSpan.Zero;
                var sums = partial?.Sums ?? new EpochAccumulator(network, Blocks.Count, epoch, history.Epochs.Count > 0 ? history.Epochs[^1].SamplesSeen : 0);
                // Batches 2–4: batch 1 also allocates the optimizer state. A resumed epoch measures again after its
                // first batch unless the checkpoint's epoch had measured all of them.
                var measuredBefore = partial?.PeakStepBytes;
                var memory = Options.MeasureMemory && done < Math.Min(MemoryWarmup + MemoryRepeats, batches)
                    ? new StepMemoryProbe(device, MemoryWarmup, MemoryRepeats, totalSteps: batches - done) : null;
                long? PeakBytes() => memory?.PeakBytes is { } p ? Math.Min(p, measuredBefore ?? long.MaxValue) : measuredBefore;
                var lr = partial?.LearningRate ?? schedule.Current;
                network.train();
                Heads.train();
                var b = 0;
                foreach (var (x, y) in Batches(train, Options.BatchSize, shuffle: true, seed: Options.Seed + epoch))
                {
                    using var scope = torch.NewDisposeScope();
                    scope.Attach([x, y]);   // made by the iterator before this scope existed
                    b++;
                    if (b <= done) continue;   // trained before the checkpoint; drawn anyway, so a stochastic encoder's stream advances as it did
                    var outcome = memory is null ? step.Run(x, y, update: true) : memory.Run(() => step.Run(x, y, update: true));
                    if (!double.IsFinite(outcome.Loss) || outcome.BlockLosses.Any(l => !double.IsFinite(l)))
                        throw new TrainingDivergedException($"Training diverged: loss {outcome.Loss} "
                            + $"(per block: {string.Join(", ", outcome.BlockLosses.Select(l => l.ToString("G4")))}) at epoch {epoch}, batch {b} of {batches} "
                            + $"({Plan}, lr {lr:G3}). Lower the learning rate or check the input scaling; nothing was written.");
                    history.Batches.Add(sums.Add(outcome, b, (int)y.shape[0]));
                    if (Options.CheckpointPath is { } midPath && b < batches && CheckpointDue(b, sinceCheckpoint.Elapsed))
                    {
                        checkpoint.Save(midPath, history, epoch - 1, new PartialEpoch(b, sums, lr, Elapsed().TotalSeconds, PeakBytes()));
                        sinceCheckpoint.Restart();
                        progress?.Invoke(new TrainingProgress(ProgressKind.Checkpoint, epoch, Options.Epochs, b, batches, sums.Loss, sums.Accuracy,
                            Elapsed(), null));
                    }
                    if (progress is not null && (clock.Elapsed - lastReport >= Options.ProgressInterval || b == batches))
                    {
                        lastReport = clock.Elapsed;
                        progress(new TrainingProgress(ProgressKind.Batch, epoch, Options.Epochs, b, batches, sums.Loss, sums.Accuracy, Elapsed(), null));
                    }
                }
                var eval = test is null || (epoch % Options.EvaluateEvery != 0 && epoch != Options.Epochs) ? null : Evaluate(test);
                var metrics = sums.Finish(eval, Elapsed().TotalSeconds, lr, PeakBytes());
                history.Epochs.Add(metrics);
                if (Options.CheckpointPath is { } checkpointPath)
                {
                    checkpoint.Save(checkpointPath, history, epoch);
                    sinceCheckpoint.Restart();
                }
                progress?.Invoke(new TrainingProgress(ProgressKind.Epoch, epoch, Options.Epochs, batches, batches, metrics.TrainLoss, metrics.TrainAccuracy,
                    Elapsed(), metrics));
            }
            // After the loop, so a run resumed from its last epoch's checkpoint (nothing left to train) still makes it.
            if (Options.EvaluateTrain) history.CleanTrain = Evaluate(train);
        }
        finally
        {
            schedule.End();
        }
        return history;
    }

    private const int MemoryWarmup = 1, MemoryRepeats = 3;

    private bool CheckpointDue(int batch, TimeSpan sinceLast) =>
        (Options.CheckpointEveryBatches is { } every && batch % every == 0)
        || (Options.CheckpointInterval is { } interval && sinceLast >= interval);

    /// <summary>
    /// Gradients of the plan for one batch (input [T, N, …]) at the current weights, without stepping any optimizer:
    /// every window and block backpropagates as in training (same cuts), and the gradients add up with each window
    /// weighted by its length / T (so K = T with one block gives exactly the BPTT gradient). Keys are parameter names
    /// ("stages.0.…" for the network, "heads.0.…" for local heads); values are detached copies owned by the caller.
    /// </summary>
    public Dictionary<string, Tensor> ComputeGradients(Tensor input, Tensor labels) => ComputeGradients(input, labels, out _);

    /// <inheritdoc cref="ComputeGradients(Tensor, Tensor)"/>
    public Dictionary<string, Tensor> ComputeGradients(Tensor input, Tensor labels, out BatchOutcome outcome)
    {
        CheckInput(input);
        using (torch.NewDisposeScope())
            outcome = step.Run(input, labels, update: false);
        var result = new Dictionary<string, Tensor>();
        foreach (var (name, p) in network.named_parameters())
            result[name] = (p.grad?.detach().clone() ?? torch.zeros_like(p)).DetachFromDisposeScope();
        foreach (var (name, p) in Heads.named_parameters().Where(np => np.parameter.requires_grad))
            result[name] = (p.grad?.detach().clone() ?? torch.zeros_like(p)).DetachFromDisposeScope();
        step.ZeroGrad();
        return result;
    }

    /// <summary>
    /// One training step on one batch (input [T, N, …]; all windows and blocks) with the plan's updates, returning its
    /// metrics: for benchmarks and memory measurements. Outside <see cref="Fit"/> the learning rate is the base rate.
    /// </summary>
    public BatchOutcome TrainStep(Tensor input, Tensor labels)
    {
        CheckInput(input);
        using var scope = torch.NewDisposeScope();
        return step.Run(input, labels, update: true);
    }

    /// <summary>
    /// Full-T evaluation (no truncation, network readout only): prediction = argmax of the readout averaged over T.
    /// Restores the mode it found.
    /// </summary>
    public Evaluation Evaluate(IBatchSource data)
    {
        CheckCompatible(data);
        var clock = Stopwatch.StartNew();
        var wasTraining = network.training;
        network.eval();
        double lossSum = 0;
        long correct = 0;
        try
        {
            using (torch.no_grad())
            {
                foreach (var (x, y) in Batches(data, Options.EvalBatchSize, shuffle: false, seed: 0))
                {
                    using var scope = torch.NewDisposeScope();
                    scope.Attach([x, y]);
                    network.ResetState();
                    var logits = network.forward(x).mean([0]);
                    var read = HostReads.ToHost(torch.stack([
                        step.LossOf(logits, y).to_type(ScalarType.Float64), logits.argmax(1).eq(y).sum().to_type(ScalarType.Float64)]));
                    lossSum += read[0] * y.shape[0];
                    correct += (long)read[1];
                }
            }
        }
        finally
        {
            network.ResetState();
            network.train(wasTraining);
        }
        return new Evaluation(lossSum / data.Count, (double)correct / data.Count, data.Count, clock.Elapsed.TotalSeconds);
    }

    private IEnumerable<(Tensor, Tensor)> Batches(IBatchSource data, int batchSize, bool shuffle, int seed) =>
        data.Batches(batchSize, Plan.TimeSteps, shuffle, seed, device.type == DeviceType.CPU ? null : device);

    private void CheckCompatible(IBatchSource data)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (!data.StepShape.SequenceEqual(network.InputShape))
            throw new ArgumentException(
                $"{data.Name} gives [{string.Join("×", data.StepShape)}] per step but network {network.Spec} expects [{string.Join("×", network.InputShape)}].",
                nameof(data));
        if (data.ClassNames.Count != network.Classes)
            throw new ArgumentException($"{data.Name} has {data.ClassNames.Count} classes but network {network.Spec} has {network.Classes} outputs.",
                nameof(data));
        if (data.TimeSteps is { } t && t != Plan.TimeSteps)
            throw new ArgumentException($"{data.Name} holds T = {t} steps per sample but the plan {Plan} has T = {Plan.TimeSteps}.", nameof(data));
    }

    private void CheckInput(Tensor input)
    {
        if (input.dim() != network.InputShape.Length + 2 || input.shape[0] != Plan.TimeSteps || !input.shape[2..].SequenceEqual(network.InputShape))
            throw new ArgumentException($"Expected input [T = {Plan.TimeSteps}, N, {string.Join("×", network.InputShape)}] "
                + $"(encode images first, e.g. with DirectEncoder); got [{string.Join(", ", input.shape)}].", nameof(input));
    }
}
