using Snn.Layers;
using Snn.Networks;
using Snn.Neurons;
using Snn.Optimization;
using Snn.Plans;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn.functional;

namespace Snn.Training;

/// <summary>
/// One mini-batch under a <see cref="TrainingPlan"/>: the method itself. Reset state; per window of K steps, per
/// block in order: take the block input (the previous block's output spikes, detached), run the block from its
/// carried state, compute the block loss (last block: the network readout; others: their local head), backpropagate
/// inside this block and window, step this block's optimizer (or accumulate until the end of the batch), carry the
/// state on detached. Each block runs in its own dispose scope, so its graph is freed before the next block runs.
/// With <paramref name="recomputeSegment"/> S, a block's window longer than S runs through <see cref="WindowRecompute"/>:
/// the same loss, gradients and updates, with about S steps of activations kept instead of K. With a
/// <paramref name="sampler"/> (SLTT-K) only the windows it draws for the batch backpropagate; the others run without a graph.
/// </summary>
internal sealed class PlanStep(SpikingNetwork network, TrainingPlan plan, IReadOnlyList<(int Start, int Count)> blocks,
    LocalHeads heads, IReadOnlyList<OptimizerHelper> optimizers, LearningRateSchedule schedule, int? recomputeSegment = null,
    StepSampler? sampler = null, bool sumConstantInputGradient = false)
{
    /// <summary>False: a constant input's synapse runs in every window, as before it was held (tests compare the two).</summary>
    internal bool HoldsConstantInput { get; set; } = true;

    /// <summary>Runs the batch; <paramref name="update"/> false leaves the summed gradients in place (no optimizer step).</summary>
    public BatchOutcome Run(Tensor input, Tensor labels, bool update)
    {
        using var batchScope = torch.NewDisposeScope();
        var stages = network.Stages;
        var accumulate = !update || plan.Update == UpdatePolicy.Accumulate;
        var n = labels.shape[0];
        var lossSums = new Tensor?[blocks.Count];   // length-weighted, on the device like the spike counts
        var dtype = network.parameters().First().dtype;
        var scoreSums = blocks.Select(_ => torch.zeros(n, network.Classes, dtype: dtype, device: input.device)).ToArray();
        // Spike counts stay on the device until the batch ends: no host sync per stage and window.
        var spikeSums = new Tensor?[stages.Count];
        var spikeElements = new double[stages.Count];
        // The plan's synapse knob holds while its step runs; another trainer of the same network may hold another.
        var traced = network.PresynapticTrace;
        network.PresynapticTrace = plan.PresynapticTrace;
        network.ResetState();
        // Gradients that accumulate leave the weights fixed until the batch ends: the first stage runs its synapse on a
        // constant (direct-encoded) input once per batch instead of once per window.
        var hold = accumulate && HoldsConstantInput;
        // Recomputation re-runs a window's segments with their own graphs; its sums are reordered anyway, so a held synapse
        // sends one summed gradient per window (or batch) instead of one per segment.
        var sumHeld = sumConstantInputGradient || recomputeSegment is not null;
        try
        {
            if (hold) stages[0].HoldConstantInput(sumHeld);
            ZeroGrad();
            var sampled = sampler?.Next();   // SLTT-K: the steps (K = 1 windows) that backpropagate in this batch
            foreach (var (start, length) in plan.Windows())
            {
                var lastWindow = start + length == plan.TimeSteps;
                var backpropagate = sampled is null || sampled[start];
                using var windowScope = torch.NewDisposeScope();
                // A step not drawn runs forward only (its loss still scored): no graph, so its state carries on as values.
                using var forwardOnly = backpropagate ? null : torch.no_grad();
                var blockInput = input.narrow(0, start, length);
                for (var m = 0; m < blocks.Count; m++)
                {
                    // The block's graph and activations die with this scope; only its detached output moves out.
                    using var blockScope = torch.NewDisposeScope();
                    var (first, count) = blocks[m];
                    var last = m == blocks.Count - 1;
                    // Accumulated windows are weighted by length/T so that K = T reproduces the BPTT loss exactly.
                    var weight = accumulate ? (double)length / plan.TimeSteps : 1.0;
                    WindowRecompute? recompute = null;
                    Tensor h;
                    // Recomputing the first block with per-window updates: its constant input's synapse runs once per window, not
                    // twice per segment (the weights stay fixed until the block's update).
                    var holdWindow = false;
                    if (recomputeSegment is { } segment && segment < length && backpropagate)
                    {
                        holdWindow = first == 0 && !hold && HoldsConstantInput;
                        if (holdWindow) stages[0].HoldConstantInput(sumGradient: true);
                        recompute = new WindowRecompute([.. stages.Skip(first).Take(count)], blockInput, segment);
                        h = recompute.Forward(out var sums, out var elements);
                        for (var j = 0; j < count; j++)
                        {
                            if (sums[j] is not { } sum) continue;
                            spikeSums[first + j] = Accumulate(spikeSums[first + j], sum);
                            spikeElements[first + j] += elements[j];
                        }
                    }
                    else
                    {
                        h = blockInput;   // detached: the previous block's output, or the (grad-free) encoded input
                        for (var s = first; s < first + count; s++)
                        {
                            // Stage s, or s and s + 1 where s's spikes go straight into s + 1's synapse (one node).
                            var (output, _, fedSpikeSum) = Stage.Forward(stages, s, first + count, h);
                            if (fedSpikeSum is not null)
                            {
                                spikeSums[s] = Accumulate(spikeSums[s], fedSpikeSum);
                                spikeElements[s] += h.shape[0] * h.shape[1] * stages[s].OutputShape.Aggregate(1L, (a, b) => a * b);
                                s++;
                            }
                            // The previous stage's output: what backward needs of it, stage s's graph has kept (compactly for spikes).
                            if (!ReferenceEquals(h, blockInput)) h.Dispose();
                            h = output;
                            if (stages[s].IsSpiking)
                            {
                                using var spikes = h.detach();   // an alias: disposed now so that it does not keep h alive
                                spikeSums[s] = Accumulate(spikeSums[s], spikes.sum().to_type(ScalarType.Float64));
                                spikeElements[s] += h.numel();
                            }
                        }
                    }
                    Tensor loss;
                    if (plan.LossWindow is { } lossWindow && lossWindow < length)
                    {
                        // Scored per chunk of L steps; with recomputation the output is a leaf whose per-step gradient the segments backpropagate.
                        if (recompute is not null) h.requires_grad_();
                        loss = ChunkedLoss(h, m, last, labels, scoreSums[m]);
                        if (backpropagate) (accumulate ? loss * weight : loss).backward();
                        recompute?.Backward(h.grad!, perStep: true);
                    }
                    else
                    {
                        // With recomputation the window mean is a leaf: its gradient is what the segments backpropagate,
                        // formed as the mean's own backward would form it.
                        var mean = recompute is null ? h.mean([0]) : h.mean([0]).requires_grad_();
                        var scores = last ? mean : heads[m].forward(mean);
                        loss = LossOf(scores, labels);
                        if (backpropagate) (accumulate ? loss * weight : loss).backward();
                        recompute?.Backward(mean.grad!);
                        scoreSums[m].add_(scores.detach().to_type(scoreSums[m].dtype), alpha: length);
                    }
                    if (hold && first == 0) stages[0].BackwardHeldInput();
                    if (holdWindow)
                    {
                        stages[0].FlushHeldInput();
                        stages[0].ReleaseHeldInput();
                    }
                    if (!accumulate && backpropagate)
                    {
                        StepBlock(m);
                        // Applied, so dead: freed before the next window's forward. The step's last update keeps its
                        // gradient readable after the step, as BPTT's does.
                        if (!lastWindow) ChunkedUpdate.ReleaseGradients(optimizers[m]);
                    }
                    for (var s = first; s < first + count; s++) stages[s].DetachState();
                    lossSums[m] = Accumulate(lossSums[m], loss.detach().to_type(ScalarType.Float64) * length);
                    blockInput = last ? blockInput : h.detach().MoveToOuterDisposeScope();
                }
            }
            if (hold) stages[0].FlushHeldInput();
            if (update && accumulate)
                for (var m = 0; m < blocks.Count; m++) StepBlock(m);
            // One host read per batch (HostReads): losses, correct counts, spike counts and readout in one float64 vector.
            int nb = blocks.Count, ns = stages.Count;
            var zero = torch.zeros(1, dtype: ScalarType.Float64, device: input.device);
            var host = HostReads.ToHost(torch.cat([
                .. lossSums.Select(l => l!.reshape(1)),
                .. scoreSums.Select(sum => sum.argmax(1).eq(labels).sum().to_type(ScalarType.Float64).reshape(1)),
                .. spikeSums.Select(t => t?.reshape(1) ?? zero),
                (scoreSums[^1] / plan.TimeSteps).to_type(ScalarType.Float64).flatten()]));
            var losses = host[..nb].Select(l => l / plan.TimeSteps).ToArray();
            var blockCorrect = host[nb..(2 * nb)].Select(c => (long)c).ToArray();
            var spikeCounts = host[(2 * nb)..(2 * nb + ns)];
            var readout = host[(2 * nb + ns)..];
            return new BatchOutcome(losses[^1], blockCorrect[^1], losses, blockCorrect, spikeCounts, spikeElements, readout);
        }
        finally
        {
            stages[0].ReleaseHeldInput();   // also a window's hold that an exception left
            network.ResetState();
            network.PresynapticTrace = traced;
        }
    }

    /// <summary>
    /// The window loss Σ_c (|c| / W)·loss(scores of chunk c's mean) over the plan's loss chunks of the block output
    /// <paramref name="h"/> [W, N, …]; adds each chunk's scores × |c| to <paramref name="scoreSum"/> (for affine heads
    /// and the readout that is the window's scores × W, as without chunks).
    /// </summary>
    private Tensor ChunkedLoss(Tensor h, int block, bool last, Tensor labels, Tensor scoreSum)
    {
        var length = (int)h.shape[0];
        Tensor? total = null;
        foreach (var (start, count) in plan.LossChunks(length))
        {
            var mean = h.narrow(0, start, count).mean([0]);
            var scores = last ? mean : heads[block].forward(mean);
            var term = LossOf(scores, labels) * ((double)count / length);
            total = total is null ? term : total + term;
            scoreSum.add_(scores.detach().to_type(scoreSum.dtype), alpha: count);
        }
        return total!;
    }

    // A running sum that outlives the block and window scopes (moved out to the batch scope). The previous sum is freed
    // now, not with the batch: otherwise every window would leave its small tensors behind and memory would grow with T.
    private static Tensor Accumulate(Tensor? total, Tensor value)
    {
        var sum = (total is null ? value : total + value).MoveToOuterDisposeScope().MoveToOuterDisposeScope();
        total?.Dispose();
        return sum;
    }

    /// <summary>The plan's loss on class scores [N, classes].</summary>
    public Tensor LossOf(Tensor scores, Tensor labels) => plan.Loss switch
    {
        LossKind.CrossEntropy => cross_entropy(scores, labels),
        LossKind.RateMse => mse_loss(scores, one_hot(labels, scores.shape[1]).to_type(scores.dtype)),
        _ => throw new InvalidOperationException($"Unknown loss {plan.Loss}."),
    };

    public void ZeroGrad()
    {
        foreach (var o in optimizers) ChunkedUpdate.ReleaseGradients(o);
    }

    private void StepBlock(int block)
    {
        var lr = schedule.Current;
        foreach (var g in optimizers[block].ParamGroups) g.LearningRate = lr;
        optimizers[block].step();
        if (block == blocks.Count - 1) schedule.Advance();   // every block steps once per update
    }
}
