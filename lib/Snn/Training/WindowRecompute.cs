using Snn.Layers;
using Snn.Neurons;
using TorchSharp;
using static TorchSharp.torch;

namespace Snn.Training;

/// <summary>
/// Recomputation of one block over one window (gradient checkpointing over time; docs/method.md). <see cref="Forward"/>
/// runs the window segment by segment without a graph, keeping the block's window state (membranes, last spikes, the
/// readout's membrane; not dropout masks, which stay as drawn) at every segment border and the block's output.
/// <see cref="Backward"/> takes the gradient of the window mean of that output and processes the segments last first:
/// restore the segment's start state as leaves that require gradients, re-run the segment with a graph, backpropagate the
/// segment's share of the output gradient together with the gradient of its end state (from the later segment), and keep
/// the start state's gradient for the earlier segment. The first segment starts from the window's carried state, which
/// gets no gradient (a window border). Forward and re-run fold the same segments, so they compute the same values.
/// Everything it keeps lives in the caller's (block) dispose scope.
/// </summary>
internal sealed class WindowRecompute
{
    private readonly IReadOnlyList<Stage> stages;
    private readonly List<StateSlot> slots;
    private readonly Tensor input;
    private readonly int length;
    private readonly List<(int Start, int Length)> segments = [];
    private readonly List<Tensor?[]> starts = [];
    private Tensor?[] end = [];

    /// <summary><paramref name="stages"/>: the block's stages in order; <paramref name="input"/>: its window input [K, N, …] (no gradient).</summary>
    public WindowRecompute(IReadOnlyList<Stage> stages, Tensor input, int segment)
    {
        this.stages = stages;
        this.input = input;
        length = (int)input.shape[0];
        slots = stages.SelectMany(s => s.WindowSlots()).ToList();
        for (var t = 0; t < length; t += segment) segments.Add((t, Math.Min(segment, length - t)));
    }

    /// <summary>
    /// Runs the window without a graph; returns the block output [K, N, …] and, per stage of the block, the sum of its
    /// spikes (float64 scalar; null for the readout) and their number of elements.
    /// </summary>
    public Tensor Forward(out Tensor?[] spikeSums, out long[] spikeElements)
    {
        var sums = new Tensor?[stages.Count];
        var elements = new long[stages.Count];
        Tensor? output = null;
        using (torch.no_grad())
        {
            for (var i = 0; i < segments.Count; i++)
            {
                using var scope = torch.NewDisposeScope();
                starts.Add(Capture());
                var (start, count) = segments[i];
                using var h = Run(input.narrow(0, start, count), (j, spikes) =>
                {
                    var sum = spikes.sum().to_type(ScalarType.Float64);
                    var total = (sums[j] is { } before ? before + sum : sum).MoveToOuterDisposeScope();
                    sums[j]?.Dispose();
                    sums[j] = total;
                    elements[j] += spikes.numel();
                });
                output ??= torch.empty([length, .. h.shape[1..]], dtype: h.dtype, device: h.device).MoveToOuterDisposeScope();
                output.narrow(0, start, count).copy_(h);
                if (i == segments.Count - 1) end = Capture();
            }
        }
        (spikeSums, spikeElements) = (sums, elements);
        return output!;
    }

    /// <summary>
    /// Backpropagates <paramref name="gradient"/>, the gradient of the window mean of the output [N, …], through the
    /// block segment by segment (parameter gradients accumulate as usual), and leaves the state at the window's end
    /// (detached), as <see cref="Forward"/> left it. With <paramref name="perStep"/> the gradient is that of the output
    /// itself [K, N, …] (a loss scored per chunk of steps), and each segment takes its own steps of it.
    /// </summary>
    public void Backward(Tensor gradient, bool perStep = false)
    {
        Tensor?[] endGradients = [];
        // A segment's end state must keep its history even where its start has none (the window's first segment).
        foreach (var stage in stages) stage.KeepStateHistory(true);
        try
        {
            BackwardSegments(gradient, perStep, ref endGradients);
        }
        finally
        {
            foreach (var stage in stages) stage.KeepStateHistory(false);
        }
        Dispose(endGradients);
        Restore(end, asLeaves: false);
        Dispose(end);
    }

    private void BackwardSegments(Tensor gradient, bool perStep, ref Tensor?[] endGradients)
    {
        for (var i = segments.Count - 1; i >= 0; i--)
        {
            using var scope = torch.NewDisposeScope();
            var (start, count) = segments[i];
            var leaves = Restore(starts[i], asLeaves: i > 0);
            var output = Run(input.narrow(0, start, count), null);
            // The backward of the window mean, for this segment's steps: libtorch's formula (expand, then divide by K).
            List<Tensor> roots = [output],
                gradients = [perStep ? gradient.narrow(0, start, count) : gradient.unsqueeze(0).expand([count, .. gradient.shape]) / length];
            for (var k = 0; k < endGradients.Length; k++)
            {
                if (endGradients[k] is not { } g) continue;
                var state = slots[k].Value;
                if (!state.requires_grad)
                    throw new InvalidOperationException($"Recomputation: the state '{slots[k].Name}' received a gradient at a segment border, "
                        + "but the module left its end state without gradient history, so the gradient cannot pass to the earlier segment.");
                roots.Add(state);
                gradients.Add(g);
            }
            torch.autograd.backward(roots, gradients);
            // A stage holding its constant input's synapse output (PlanStep) takes this segment's gradient before the next re-run.
            foreach (var stage in stages) stage.BackwardHeldInput();
            Dispose(endGradients);
            endGradients = leaves.Select(l => l?.grad?.MoveToOuterDisposeScope()).ToArray();
            Dispose(starts[i]);
        }
    }

    /// <summary>The block's stages on <paramref name="x"/> from the current state; <paramref name="spiking"/> sees each spiking stage's output.</summary>
    private Tensor Run(Tensor x, Action<int, Tensor>? spiking)
    {
        var h = x;
        for (var j = 0; j < stages.Count; j++)
        {
            var output = stages[j].forward(h);
            // The previous stage's output: what backward needs of it, stage j's graph has kept.
            if (!ReferenceEquals(h, x)) h.Dispose();
            h = output;
            if (spiking is not null && stages[j].IsSpiking) spiking(j, h);
        }
        return h;
    }

    /// <summary>Copies of the window state (null: at rest), moved to the scope around the caller's.</summary>
    private Tensor?[] Capture() => slots.Select(s => s.ValueOrNull?.detach().clone().MoveToOuterDisposeScope()).ToArray();

    /// <summary>
    /// Sets the window state to <paramref name="values"/>; with <paramref name="asLeaves"/> the floating-point ones become
    /// leaves that require gradients (returned; the slots hold aliases, so the modules may replace them).
    /// </summary>
    private Tensor?[] Restore(Tensor?[] values, bool asLeaves)
    {
        var leaves = new Tensor?[slots.Count];
        for (var k = 0; k < slots.Count; k++)
        {
            if (values[k] is not { } value)
            {
                slots[k].Clear();
                continue;
            }
            if (asLeaves && torch.is_floating_point(value))
            {
                leaves[k] = value.requires_grad_();
                slots[k].Set(value.alias());
            }
            else slots[k].Set(value.detach());
        }
        return leaves;
    }

    private static void Dispose(Tensor?[] tensors)
    {
        foreach (var t in tensors) t?.Dispose();
    }
}
