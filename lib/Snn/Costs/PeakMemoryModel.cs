using Snn.Layers;

namespace Snn.Costs;

/// <summary>
/// Retained, peak-step and persistent memory of one training step: the third item of <see cref="CostModel"/>'s
/// accounting, from the stages' <see cref="StageFootprint"/>s.
/// <para>
/// Peak: the longest window with the heaviest block; earlier blocks' outputs of that window stay alive. While a stage
/// runs forward, the earlier stages of its block hold their forward tensors and the stage its forward peak
/// (<see cref="StageFootprint.ForwardPeak"/>: the synapse output, the fused LIF's per-step temporaries or, at the
/// window's end, its spikes twice): with short windows that is the step's peak. Within a
/// block, backward runs from its last stage to its first: while stage s is processed, the scope still holds every
/// stage's forward tensors, autograd has already freed the saved tensors of the stages after s, the surrogate
/// gradients of s and later stages exist, and s adds its backward transient (<see cref="StageFootprint.NeuronBackward"/>,
/// <see cref="BackwardPhaseElements"/>).
/// After backward the optimizer's temporary (one chunk of ChunkedAdam, or TorchSharp Adam's two parameter-sized ones)
/// comes on top of what the scope holds. Weight gradients exist between steps (persistent) and so in the baseline:
/// zero_grad(set_to_none) frees them and backward stores new ones, so those not yet recomputed count below the
/// baseline; with accumulated updates, from the second window on each weight gradient is computed into a new tensor
/// and added into the old one.
/// </para>
/// </summary>
internal static class PeakMemoryModel
{
    public static PeakMemory Estimate(StepLayout layout, IReadOnlyList<StageFootprint> footprints, IReadOnlyList<HeadCost> heads)
    {
        var stages = layout.Stages;
        var o = layout.Options;
        double n = layout.N, T = layout.T, K = layout.K, b = layout.BytesPerElement;
        var gradientBytes = stages.Select(st => b * (double)st.Parameters).ToArray();
        // The first window and, if any, the longest later one: they differ in which weight gradients exist. With a single
        // backpropagated window (SLTT-K, k = 1) that one finds no weight gradient, as a first window, and the others run forward only.
        var windowCases = new List<(double Length, bool First, bool Backward)> { (layout.Windows[0].Length, true, true) };
        if (layout.Windows.Count > 1) windowCases.Add((layout.Windows.Skip(1).Max(w => w.Length), false, !layout.SingleBackward));

        double retained = 0, peakActivations = 0, blockOutputs = 0, transient = 0;
        for (var m = 0; m < layout.Blocks.Count; m++)
        {
            var (start, count) = layout.Blocks[m];
            var block = K * Enumerable.Range(start, count).Sum(s => footprints[s].Retained);
            // Earlier blocks' outputs of the window, per step (kept until the window ends).
            var carriedPerStep = n * b * Enumerable.Range(0, m).Sum(j => (double)layout.LastOf(j).Neurons);
            var peak = BlockPeak(layout, footprints, gradientBytes, windowCases, m, carriedPerStep);
            retained = Math.Max(retained, block);
            var carriedK = K * carriedPerStep;
            if (peak > peakActivations + blockOutputs + transient)
            {
                peakActivations = block;
                blockOutputs = carriedK;
                transient = peak - block - carriedK;   // negative when backward has freed more than its transient adds
            }
        }
        var encoded = n * stages[0].InputSize * b * (o.InputConstantOverTime ? 1 : T);
        // Membrane and last spikes of every LIF, and the trace of every traced stage's input (OTTT).
        var state = 2 * n * b * stages.Where(s => s.IsSpiking).Sum(s => (double)s.Neurons) + footprints.Sum(f => f.TraceStep);
        var parameters = stages.Sum(s => (double)s.Parameters) + heads.Sum(h => h.Learnable ? h.Parameters : 0);
        var persistent = parameters * b * (2 + o.OptimizerStateTensors);
        return new PeakMemory(retained, peakActivations, blockOutputs, transient, encoded, state, persistent);
    }

    /// <summary>
    /// Block <paramref name="m"/>'s live bytes at its worst moment, relative to the pre-step baseline, over the window
    /// cases (length, first window?): during a stage's forward, during its backward walk or during its update; plus
    /// the earlier blocks' outputs of the window.
    /// </summary>
    private static double BlockPeak(StepLayout layout, IReadOnlyList<StageFootprint> f, double[] gradientBytes,
        IReadOnlyList<(double Length, bool First, bool Backward)> windowCases, int m, double carriedPerStep)
    {
        var stages = layout.Stages;
        var o = layout.Options;
        double n = layout.N, b = layout.BytesPerElement;
        var accumulate = layout.Accumulate;
        var (start, count) = layout.Blocks[m];
        var members = Enumerable.Range(start, count).ToList();
        var laterBlocksGradients = Enumerable.Range(start + count, stages.Count - start - count).Sum(j => gradientBytes[j]);
        var headInput = m < layout.Blocks.Count - 1 ? n * b * layout.LastOf(m).Neurons : 0;   // the window mean a local head reads
        var largest = accumulate ? stages.Max(s => (double)s.Weights) : members.Max(s => (double)stages[s].Weights);
        var adam = b * (o.OptimizerChunkElements is { } chunk ? o.OptimizerTemporaries * Math.Min(chunk, largest) : 2 * largest);
        var peak = double.MinValue;
        foreach (var (L, first, backward) in windowCases)
        {
            // Weight gradients below the pre-step baseline: the first zero_grad of the step frees all of them and, with
            // per-window updates, each block's update frees its own unless it is the step's last (so a later window is
            // modelled as the last: earlier blocks' gradients exist, the block's own and later blocks' do not); backward
            // stores a stage's new gradient in its synapse phase. In the first window, later blocks' gradients do not exist yet.
            var zeroedPerWindow = !accumulate || first;
            double Missing(int s, bool includingS) =>
                (zeroedPerWindow ? members.Where(j => j < s || (includingS && j == s)).Sum(j => gradientBytes[j]) : 0)
                + (zeroedPerWindow ? laterBlocksGradients : 0);
            var scopeHeld = L * members.Sum(s => f[s].ScopeHeld) + headInput;
            var duringBackward = members.Max(s =>
            {
                // Stage s's own saved tensors go as its phases pass: the neuron's after the neuron phase, the pooling's after the pooling phase.
                var before = scopeHeld + L * members.Where(j => j < s).Sum(j => f[j].AutogradHeld) + L * members.Where(j => j >= s).Sum(j => f[j].BackwardHeld);
                var (pool, synapse) = BackwardPhaseElements(stages[s], errorPropagates: s > start, traced: f[s].Traced, channelsLast: f[s].ChannelsLast);
                var steps = f[s].ConstantInput ? 1 : L;   // a constant input's synapse and pooling ran once
                double poolPhase = steps * n * b * pool, synapsePhase = steps * n * b * synapse, scatterSteps = steps;
                if (f[s].ChunkSteps > 0)
                {
                    // In chunks: the pooled gradient is the window's; the synapse output's gradient, the kernel's copies and the
                    // scatter are one chunk's. An input gradient is formed per chunk into a window-sized buffer (twice the input).
                    var chunkSteps = Math.Min(f[s].ChunkSteps, steps);
                    var (window, output, input) = (stages[s].Neurons, (double)stages[s].SynapseOutputs, s > start ? (double)stages[s].InputSize : 0);
                    poolPhase = n * b * (steps * window + chunkSteps * output);
                    synapsePhase = n * b * (chunkSteps * (synapse - input) + 2 * steps * input);
                    scatterSteps = chunkSteps;
                }
                // A new gradient, then added into the old one. A traced synapse's weight gradient is returned by a custom backward,
                // which autograd copies (into a gradient that does not exist yet) or adds from (into one that does): one more either way.
                var accumulation = f[s].Traced || (accumulate && !first) ? b * (double)stages[s].Weights : 0;
                return before + Math.Max(L * f[s].AutogradHeld + f[s].NeuronBackward(L) - Missing(s, true),
                    Math.Max(L * f[s].SynapseSaved + poolPhase + f[s].PoolScatter(scatterSteps) - Missing(s, true),
                        synapsePhase + f[s].SpikeInputChunk + accumulation - Missing(s, false)));
            });
            // Weight gradients during the forward: in the first window the step's zero_grad has freed this block's and later
            // blocks'; in a later one the previous window's updates have (per-window updates), or every gradient exists
            // (accumulated updates).
            var missingInForward = zeroedPerWindow ? members.Sum(s => gradientBytes[s]) + laterBlocksGradients : 0;
            // While stage s runs forward: the earlier stages' forward tensors, the float input it reads and its own forward peak.
            var duringForward = members.Max(s => L * members.Where(j => j < s).Sum(j => f[j].ScopeHeld + f[j].AutogradHeld)
                + L * f[s].ForwardInput + f[s].ForwardPeak(L)) - missingInForward;
            // The end of the forward, before the block's backward.
            var afterForward = Math.Max(duringForward, scopeHeld + L * members.Sum(s => f[s].AutogradHeld) - missingInForward);
            var duringUpdate = accumulate ? adam : scopeHeld + L * members.Sum(s => f[s].BackwardHeld) + adam - laterBlocksGradients;
            // A window that runs forward only (SLTT-K's untaken steps) keeps no graph: its forward (bounded by that with a graph)
            // and, with accumulated updates, the step's one update.
            if (!backward)
            {
                peak = Math.Max(peak, Math.Max(duringForward, accumulate ? adam : double.MinValue) + L * carriedPerStep);
                continue;
            }
            peak = Math.Max(peak, Math.Max(afterForward, Math.Max(duringBackward, duringUpdate)) + L * carriedPerStep);
        }
        return peak;
    }

    /// <summary>
    /// Gradient elements per sample and step a stage's backward holds in its pooling and synapse phases (once per window
    /// for a constant input; the neuron phase: <see cref="StageFootprint.NeuronBackward"/>): pooling (gradients of the
    /// pooled currents and of the synapse output; 0 without pooling) and the synapse (gradient of its output; for a
    /// convolution the copies libtorch's CPU kernel makes of grad-output and input — measured with the exact allocation
    /// counter at ≈ synapse output + input, within 15 % on the
    /// W1–W3 shapes except the 2-channel k5 W2 input layer with an input gradient, 2.3×; in channels-last none where the
    /// gradient comes back in that layout (from pooling or the fused LIF window), the planar count where a per-step-graph
    /// neuron's planar one comes straight back, measured at 0.00–0.20 and 0.60–0.84 × (synapse output + input) on the W2
    /// and W3 convolutions; and the input gradient where error propagates into the previous stage).
    /// </summary>
    internal static (double Pool, double Synapse) BackwardPhaseElements(StageDescription stage, bool errorPropagates, bool traced = false,
        bool channelsLast = false)
    {
        double neurons = stage.Neurons, synapse = stage.SynapseOutputs, input = stage.InputSize;
        // A traced convolution forms its weight gradient as a convolution of the transposed trace and grad-output (the kit's own
        // backward): contiguous copies of both and the kernel's copies of those, ≈ 2 × (synapse output + input), measured on W2.
        // Channels-last: the gradient comes back in that layout from the pooling or from the fused LIF window, which takes
        // its currents' layout; a per-step-graph neuron's (autograd's) is planar, and the kernel copies it.
        var copies = stage.Synapse != SynapseKind.Conv ? 0 : traced ? 2 * (synapse + input)
            : channelsLast && (stage.Pool != PoolKind.None || stage.FusedNeuron) ? 0 : synapse + input;
        return (stage.Pool == PoolKind.None ? 0 : neurons + synapse, synapse + copies + (errorPropagates ? input : 0));
    }
}
