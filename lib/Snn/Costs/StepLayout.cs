using Snn.Layers;
using Snn.Plans;

namespace Snn.Costs;

/// <summary>
/// The validated inputs of <see cref="CostModel.Estimate"/> and what both of its models read from them: the plan's
/// windows (time) and blocks (depth), the batch and element size as doubles, and which block each stage belongs to.
/// </summary>
internal sealed class StepLayout
{
    public StepLayout(IReadOnlyList<StageDescription> stages, TrainingPlan plan, int batch, CostOptions options)
    {
        Stages = stages;
        Plan = plan;
        Options = options;
        Blocks = plan.Blocks(stages.Count);
        Windows = plan.Windows().ToList();
        N = batch;
        T = plan.TimeSteps;
        K = plan.WindowLength;
        BytesPerElement = options.BytesPerElement;
        WindowCount = Windows.Count;
        Updates = plan.UpdatesPerBatch;
        var blockOf = new int[stages.Count];
        var firstOfBlock = new bool[stages.Count];
        for (var m = 0; m < Blocks.Count; m++)
        {
            firstOfBlock[Blocks[m].Start] = true;
            for (var s = Blocks[m].Start; s < Blocks[m].Start + Blocks[m].Count; s++) blockOf[s] = m;
        }
        BlockOf = blockOf;
        FirstOfBlock = firstOfBlock;
        // The trace is on every stage whose input is another stage's output (SpikingNetwork.PresynapticTrace): all but the first.
        Traced = [.. stages.Select((_, i) => plan.PresynapticTrace && i > 0)];
        BackpropagatedWindows = plan.SampledSteps ?? WindowCount;
        BackwardShare = BackpropagatedWindows / WindowCount;
    }

    public IReadOnlyList<StageDescription> Stages { get; }
    public TrainingPlan Plan { get; }
    public CostOptions Options { get; }
    /// <summary>Blocks (first stage, number of stages), in order.</summary>
    public IReadOnlyList<(int Start, int Count)> Blocks { get; }
    /// <summary>Windows (first step, length), in order.</summary>
    public IReadOnlyList<(int Start, int Length)> Windows { get; }
    /// <summary>Batch size.</summary>
    public double N { get; }
    /// <summary>Time steps per sample.</summary>
    public double T { get; }
    /// <summary>Truncation length (the plan's window length).</summary>
    public double K { get; }
    public double BytesPerElement { get; }
    /// <summary>Windows per step, W.</summary>
    public double WindowCount { get; }
    /// <summary>Optimizer updates per step of every parameter: W per-window updates, or 1 accumulated.</summary>
    public double Updates { get; }
    public bool Accumulate => Plan.Update == UpdatePolicy.Accumulate;
    /// <summary>The block of each stage.</summary>
    public IReadOnlyList<int> BlockOf { get; }
    /// <summary>True for the first stage of each block (no error propagates into it from its block).</summary>
    public IReadOnlyList<bool> FirstOfBlock { get; }

    /// <summary>True for each stage whose synapse forms its weight gradient from the presynaptic trace (OTTT).</summary>
    public IReadOnlyList<bool> Traced { get; }
    /// <summary>Windows per step that backpropagate: SLTT-K's k (its windows are single steps), else all W.</summary>
    public double BackpropagatedWindows { get; }
    /// <summary>Share of the windows that backpropagate, k / T for SLTT-K, else 1: scales the backward's ops and traffic.</summary>
    public double BackwardShare { get; }
    /// <summary>True when only one window backpropagates (SLTT-K with k = 1): no weight gradient is ever added into another.</summary>
    public bool SingleBackward => BackpropagatedWindows == 1;

    /// <summary>The last stage of block <paramref name="m"/>.</summary>
    public StageDescription LastOf(int m) => Stages[Blocks[m].Start + Blocks[m].Count - 1];
}
