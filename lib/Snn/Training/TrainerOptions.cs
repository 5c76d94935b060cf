using Snn.Optimization;

namespace Snn.Training;

/// <summary>Optimisation settings (the kit's defaults, docs/method.md: Adam, lr 1e-3, cosine schedule).</summary>
public sealed record TrainerOptions
{
    public int Epochs { get; init; } = 1;
    public int BatchSize { get; init; } = 64;
    public int EvalBatchSize { get; init; } = 500;
    public double LearningRate { get; init; } = 1e-3;
    /// <summary>Anneal the learning rate to zero over all optimizer steps of the run (cosine).</summary>
    public bool CosineSchedule { get; init; } = true;
    /// <summary>The optimizer of every block: Adam (default) or SGD with momentum (<see cref="OptimizerSettings.Sgd"/>), with optional weight decay.</summary>
    public OptimizerSettings Optimizer { get; init; } = new();
    /// <summary>Seeds the shuffling (epoch e uses Seed + e).</summary>
    public int Seed { get; init; } = 0;
    /// <summary>Minimum time between two batch progress reports.</summary>
    public TimeSpan ProgressInterval { get; init; } = TimeSpan.FromSeconds(1);
    /// <summary>
    /// Measure the peak memory of a training step per epoch (Linux; <see cref="Snn.Measurement.MemoryMeter"/>): the median
    /// of three measured steps (batches 2–4; batch 1 allocates the optimizer state), since another thread of the
    /// process allocating or freeing meanwhile moves one reading either way.
    /// </summary>
    public bool MeasureMemory { get; init; } = true;
    /// <summary>Where to write a checkpoint after every epoch (model, heads, optimizers, epoch, RNG, history); null: none.</summary>
    public string? CheckpointPath { get; init; }
    /// <summary>
    /// Also checkpoint within an epoch, after the first batch that ends this long after the last checkpoint (zero:
    /// after every batch), so a kill loses at most about this much work; null: at epoch ends only.
    /// </summary>
    public TimeSpan? CheckpointInterval { get; init; }
    /// <summary>Also checkpoint within an epoch after every this many batches of it (deterministic, for tests); null: no.</summary>
    public int? CheckpointEveryBatches { get; init; }
    /// <summary>Continue from <see cref="CheckpointPath"/> when it exists. Without it an existing checkpoint is never overwritten.</summary>
    public bool Resume { get; init; }

    /// <summary>
    /// Recomputation (gradient checkpointing over time; docs/method.md): S steps per segment, null or 0: off. Each block's
    /// window runs forward without a graph, keeping only the neuron state at every S-th step; backward then re-runs one
    /// segment at a time with a graph, last first. Gradients and updates are those without it (up to float rounding:
    /// sums run per segment); a step keeps about S steps of activations instead of K, for about one more forward pass.
    /// A window of at most S steps runs as without it. Not with batch norm (tdBN normalises over the whole window).
    /// An execution setting like the device, not part of the plan: it does not change run ids.
    /// </summary>
    public int? RecomputeSegment { get; init; }

    /// <summary>
    /// A plan whose gradients accumulate runs the first stage's synapse once per batch on a constant (direct-encoded) input,
    /// and by default backpropagates into it once per window, adding each window's weight gradient as before. True sums the
    /// windows' gradients of its output and backpropagates once per batch, as BPTT does: one weight-gradient product per batch
    /// instead of T/K (W1 at K = 1: 25 → 1). The same gradient up to float rounding (the sum runs in another order), so off by
    /// default: results stay bitwise those of earlier versions. An execution setting like <see cref="RecomputeSegment"/>.
    /// </summary>
    public bool SumConstantInputGradient { get; init; }

    /// <summary>
    /// After the last epoch, evaluate the whole training set as the test set is evaluated (full T, eval mode, no
    /// dropout, no updates, in order) into <see cref="TrainingHistory.CleanTrain"/>: the train accuracy of the final
    /// weights, which the running mean over the last epoch (taken while the weights moved, with dropout) is not.
    /// </summary>
    public bool EvaluateTrain { get; init; }

    /// <summary>
    /// Evaluate the test set after every this many epochs and always after the last (1: every epoch). Evaluation does not
    /// touch the weights or the random streams, so it changes no training number; a study whose full test set costs as
    /// much as an epoch of training spends its budget on training instead (docs/studies.md).
    /// </summary>
    public int EvaluateEvery { get; init; } = 1;

    public TrainerOptions Validated()
    {
        if (Epochs < 1) throw new ArgumentOutOfRangeException(nameof(Epochs), Epochs, "Epochs must be ≥ 1.");
        if (BatchSize < 1) throw new ArgumentOutOfRangeException(nameof(BatchSize), BatchSize, "Batch size must be ≥ 1.");
        if (EvalBatchSize < 1) throw new ArgumentOutOfRangeException(nameof(EvalBatchSize), EvalBatchSize, "Evaluation batch size must be ≥ 1.");
        if (!(LearningRate > 0)) throw new ArgumentOutOfRangeException(nameof(LearningRate), LearningRate, "Learning rate must be > 0.");
        ArgumentNullException.ThrowIfNull(Optimizer);
        Optimizer.Validated();
        if (EvaluateEvery < 1) throw new ArgumentOutOfRangeException(nameof(EvaluateEvery), EvaluateEvery, "Evaluate every … epochs must be ≥ 1.");
        if (RecomputeSegment is < 0)
            throw new ArgumentOutOfRangeException(nameof(RecomputeSegment), RecomputeSegment, "Recompute segment S must be ≥ 1 step (null or 0: off).");
        if (Resume && CheckpointPath is null) throw new ArgumentException("Resume needs a CheckpointPath.", nameof(Resume));
        if (CheckpointInterval is { } interval && interval < TimeSpan.Zero)
            throw new ArgumentOutOfRangeException(nameof(CheckpointInterval), interval, "Checkpoint interval must be ≥ 0.");
        if (CheckpointEveryBatches is { } every && every < 1)
            throw new ArgumentOutOfRangeException(nameof(CheckpointEveryBatches), every, "Checkpoint every … batches must be ≥ 1.");
        if ((CheckpointInterval is not null || CheckpointEveryBatches is not null) && CheckpointPath is null)
            throw new ArgumentException("Mid-epoch checkpoints (CheckpointInterval, CheckpointEveryBatches) need a CheckpointPath.", nameof(CheckpointPath));
        return this;
    }
}
