using Snn.Layers;
using Snn.Plans;

namespace Snn.Costs;

/// <summary>
/// Analytic costs of one training step (forward over T steps, backward, optimizer steps) of a network
/// described by <see cref="StageDescription"/>s under a <see cref="TrainingPlan"/>. Accounting
/// (../shared/design/paper.md, "Costs"):
/// <list type="bullet">
/// <item>Ops are per sample per step: a synapse does numel(synapse output)·fan-in products. Forward of
/// layer 1 with analog input is MAC; every other forward product has a binary spike operand and is an
/// AC (scaled by the input's firing rate when rates are given, dense otherwise). Weight-gradient
/// products dW = δ·xᵀ are ACs for spike inputs and MACs for the analog layer 1. Error propagation
/// δ_in = Wᵀδ is MAC and only exists where the stage's input carries a gradient: not into layer 1 and
/// not across a block boundary (local training cuts it). Truncation does not change op counts (every
/// step is still backpropagated once). Local heads (global average pool → linear on the window mean)
/// add forward, error-propagation and weight-gradient MACs once per window. Adam costs
/// <see cref="CostOptions.OptimizerMacsPerParameter"/> MACs per parameter per update; per-window updates
/// (the plan's default) update every block once per window. Element-wise neuron, pooling and
/// normalisation arithmetic is not counted.</item>
/// <item>Memory access (bytes read + written): weights are read once per window per stage in forward and
/// again in error propagation (the stage runs time-folded over a window); weight gradients are read and
/// written once per window; Adam reads w, g, m, v and writes w, m, v per update; activations: forward
/// reads inputs and writes synapse outputs, pooled outputs and spikes, and the neuron reads/writes its
/// membrane per step; backward reads what was retained and writes the gradients of outputs, currents and
/// (with error propagation) inputs.</item>
/// <item>Retained for backward: <see cref="CostReport.RetainedActivationBytes"/> = max over blocks of
/// K × N × Σ(block's per-step retained bytes) — BPTT ~ T·Σ stages, truncation ~ K·Σ, local ~ T·max
/// block, combined ~ K·max block. Per step a stage keeps its output (stacked spikes or readout membranes), the
/// synapse output where pooling or batch norm saves it, max-pool indices (int64), its neuron's saved tensors
/// (<see cref="CostOptions.LifSavedBytesPerNeuronStep"/>) and, from backward, the surrogate gradient.
/// <see cref="CostReport.PeakStepBytes"/> is what a memory meter sees for a step after warm-up: the heaviest block's
/// live bytes at its worst moment — during backward (the scope-held forward tensors, autograd's saved tensors of the
/// stages not yet passed, surrogate gradients so far, and the current stage's <see cref="BackwardPhaseElements"/>)
/// or during the update (the optimizer's temporary, <see cref="CostOptions.OptimizerChunkElements"/>) — plus the
/// outputs of earlier blocks of the window (kept until the window ends), the encoded input of all T steps and the
/// carried neuron state. It is relative to the memory before the step, which already holds the weight gradients of
/// the previous step (zero_grad(set_to_none) frees them, backward stores new ones).
/// <see cref="CostReport.BackwardTransientBytes"/> is that worst moment minus the block's retained bytes.
/// <see cref="CostReport.PersistentBytes"/>: weights, gradients and optimizer state of network and heads, which do
/// not shrink with K or B. Checked against the exact allocation counter of <see cref="Snn.Measurement.MemoryMeter"/> by `snn bench`.</item>
/// </list>
/// </summary>
public static class CostModel
{
    public static CostReport Estimate(IReadOnlyList<StageDescription> stages, TrainingPlan plan, int batch, CostOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(stages);
        ArgumentNullException.ThrowIfNull(plan);
        if (stages.Count == 0) throw new ArgumentException("The cost model needs at least one stage.", nameof(stages));
        if (batch < 1) throw new ArgumentOutOfRangeException(nameof(batch), batch, "Batch size must be ≥ 1.");
        var o = (options ?? CostOptions.Default).Validated();
        if (o.FiringRates is { } fr && fr.Count != stages.Count)
            throw new ArgumentException($"FiringRates has {fr.Count} entries; the network has {stages.Count} stages (give 0 for the readout).", nameof(options));
        plan = plan.ValidatedFor(stages.Count);
        var blocks = plan.Blocks(stages.Count);
        double n = batch, T = plan.TimeSteps, b = o.BytesPerElement;
        var windows = plan.Windows().ToList();
        double W = windows.Count;
        var updates = plan.Update == UpdatePolicy.PerWindowAndBlock ? W : 1;
        var blockOf = new int[stages.Count];
        var firstOfBlock = new bool[stages.Count];
        for (var m = 0; m < blocks.Count; m++)
        {
            firstOfBlock[blocks[m].Start] = true;
            for (var s = blocks[m].Start; s < blocks[m].Start + blocks[m].Count; s++) blockOf[s] = m;
        }

        var costs = new List<StageCost>();
        var retainedPerStep = new double[stages.Count];
        var scopeHeldPerStep = new double[stages.Count];
        var autogradHeldPerStep = new double[stages.Count];
        var backwardHeldPerStep = new double[stages.Count];
        var synapseSavedPerStep = new double[stages.Count];
        var neuronSavedPerStep = new double[stages.Count];
        for (var i = 0; i < stages.Count; i++)
        {
            var st = stages[i];
            var dense = (double)st.SynapseMacs * n * T;
            var analog = i == 0 && o.AnalogInput;
            var inRate = i == 0 ? (o.AnalogInput ? 1.0 : o.InputRate) : o.FiringRates?[i - 1] ?? 1.0;
            var constant = i == 0 && o.InputConstantOverTime;
            var errorProp = i > 0 && !firstOfBlock[i];
            var weights = (double)st.Parameters;

            // Retained per step (whole batch), by who holds it. Each stage runs in its own dispose scope and only its output
            // (stacked spikes or readout membranes) reaches the block's scope. Autograd saves, and frees as backward passes the
            // stage: the synapse output where BN or pooling needs it (once per window for a constant input), BN's output where
            // pooling follows it, max-pool indices (int64) and the LIF's saved tensors. Backward makes the surrogate gradient,
            // which the block's scope keeps.
            var synapseCopies = (st.BatchNorm ? 1 : 0) + (st.Pool != PoolKind.None ? 1 : 0);
            // The spike function's u−θ is saved in a TorchSharp autograd context, which is released with the graph, not as
            // backward passes it: it stays until the block's scope ends, like the stage's output.
            scopeHeldPerStep[i] = n * st.Neurons * (b + (st.IsSpiking ? b : 0));
            synapseSavedPerStep[i] = n * ((constant ? 0 : st.SynapseOutputs * b * synapseCopies) + (st.Pool == PoolKind.Max ? st.Neurons * 8 : 0));
            neuronSavedPerStep[i] = n * (st.IsSpiking ? st.Neurons * (o.LifSavedBytesPerNeuronStep - b + (st.NeuronParameters > 0 ? b : 0)) : 0);
            autogradHeldPerStep[i] = synapseSavedPerStep[i] + neuronSavedPerStep[i];
            backwardHeldPerStep[i] = n * (st.IsSpiking ? st.Neurons * b : 0);
            retainedPerStep[i] = scopeHeldPerStep[i] + autogradHeldPerStep[i] + backwardHeldPerStep[i];
            var perStep = retainedPerStep[i] / n;

            var fwdActs = n * T * (st.InputSize + (constant ? 0 : st.SynapseOutputs) + (st.Pool == PoolKind.None ? 0 : st.SynapseOutputs + st.Neurons) + 4.0 * st.Neurons) * b;
            var bwdActs = n * T * perStep + n * T * (st.Neurons + st.SynapseOutputs + (errorProp ? st.InputSize : 0)) * b;
            costs.Add(new StageCost(i, st.Spec, blockOf[i], false,
                ForwardMacs: analog ? dense : 0,
                ForwardAcs: analog ? 0 : dense * inRate,
                ErrorPropagationMacs: errorProp ? dense : 0,
                WeightGradientMacs: analog ? dense : 0,
                WeightGradientAcs: analog ? 0 : dense * inRate,
                OptimizerMacs: o.OptimizerMacsPerParameter * weights * updates,
                WeightBytes: W * weights * b * (errorProp ? 2 : 1),
                ActivationBytes: fwdActs + bwdActs,
                GradientBytes: W * weights * b * 2,
                OptimizerBytes: updates * weights * b * (3 + 2 * o.OptimizerStateTensors),
                RetainedBytesPerStep: retainedPerStep[i],
                Parameters: (long)weights));
        }

        // Local heads: one per block but the last, on the window-averaged output of the block's last stage.
        var classes = stages[^1].OutputShape[^1];
        var headParams = 0.0;
        for (var m = 0; m < blocks.Count - 1; m++)
        {
            var last = stages[blocks[m].Start + blocks[m].Count - 1];
            var pooled = plan.Head == LocalHeadKind.PoolLinear && last.OutputShape.Length == 3;
            double features = pooled ? last.OutputShape[0] : last.Neurons;
            var learnable = plan.Head == LocalHeadKind.PoolLinear;
            var p = features * classes + (learnable ? classes : 0);
            var ops = n * W * features * classes;
            headParams += learnable ? p : 0;
            costs.Add(new StageCost(stages.Count + m, $"head{m} ({(pooled ? "pool→" : "")}FC{classes} on {last.Spec})", m, true,
                ForwardMacs: ops, ForwardAcs: 0,
                ErrorPropagationMacs: ops,
                WeightGradientMacs: learnable ? ops : 0, WeightGradientAcs: 0,
                OptimizerMacs: learnable ? o.OptimizerMacsPerParameter * p * updates : 0,
                WeightBytes: W * p * b * 2,
                ActivationBytes: n * T * last.Neurons * b * 2 + n * W * (features + classes) * b * 2,
                GradientBytes: learnable ? W * p * b * 2 : 0,
                OptimizerBytes: learnable ? updates * p * b * (3 + 2 * o.OptimizerStateTensors) : 0,
                RetainedBytesPerStep: 0,
                Parameters: (long)p));
        }

        // Peak: the longest window with the heaviest block; earlier blocks' outputs of that window stay alive. Within a
        // block, backward runs from its last stage to its first: while stage s is processed, the scope still holds every
        // stage's forward tensors, autograd has already freed the saved tensors of the stages after s, the surrogate
        // gradients of s and later stages exist, and s adds its backward transient (gradients of its output, synapse output
        // and input; for convolutions libtorch's reordered copies of grad-output and input — measured ≈ synapse output +
        // input). After backward the optimizer's temporary (one chunk of ChunkedAdam, or TorchSharp Adam's two
        // parameter-sized ones) comes on top of what the scope holds. Weight gradients exist between steps
        // (PersistentBytes) and so in the baseline: zero_grad(set_to_none) frees them and backward stores new ones, so
        // those not yet recomputed count below the baseline; with accumulated updates, from the second window on each
        // weight gradient is computed into a new tensor and added into the old one.
        double K = plan.WindowLength;
        double retained = 0, peakActivations = 0, blockOutputs = 0, transient = 0;
        var accumulate = plan.Update == UpdatePolicy.Accumulate;
        var gradientBytes = stages.Select(st => b * (double)st.Parameters).ToArray();
        // The first window and, if any, the longest later one: they differ in which weight gradients exist.
        var windowCases = new List<(double Length, bool First)> { (windows[0].Length, true) };
        if (windows.Count > 1) windowCases.Add((windows.Skip(1).Max(w => w.Length), false));
        for (var m = 0; m < blocks.Count; m++)
        {
            var (start, count) = blocks[m];
            var members = Enumerable.Range(start, count).ToList();
            var block = K * members.Sum(s => retainedPerStep[s]);
            var laterBlocksGradients = Enumerable.Range(start + count, stages.Count - start - count).Sum(j => gradientBytes[j]);
            var headInput = m < blocks.Count - 1 ? n * b * stages[start + count - 1].Neurons : 0;   // the window mean a local head reads
            // Earlier blocks' outputs of the window, per step (kept until the window ends).
            var carriedPerStep = n * b * Enumerable.Range(0, m).Sum(j => (double)stages[blocks[j].Start + blocks[j].Count - 1].Neurons);
            var largest = accumulate ? stages.Max(s => (double)s.Weights) : members.Max(s => (double)stages[s].Weights);
            var adam = b * (o.OptimizerChunkElements is { } chunk ? Math.Min(chunk, largest) : 2 * largest);
            var peak = double.MinValue;
            foreach (var (L, first) in windowCases)
            {
                // Weight gradients below the pre-step baseline: the first zero_grad of the step frees all of them and each
                // block's zero_grad frees its own (not with accumulated updates after the first window); backward stores a
                // stage's new gradient in its synapse phase. In the first window, later blocks' gradients do not exist yet.
                var zeroedPerWindow = !accumulate || first;
                double Missing(int s, bool includingS) =>
                    (zeroedPerWindow ? members.Where(j => j < s || (includingS && j == s)).Sum(j => gradientBytes[j]) : 0)
                    + (first ? laterBlocksGradients : 0);
                var scopeHeld = L * members.Sum(s => scopeHeldPerStep[s]) + headInput;
                var duringBackward = members.Max(s =>
                {
                    // Stage s's own saved tensors go as its phases pass: the neuron's after the neuron phase, the pooling's after the pooling phase.
                    var before = scopeHeld + L * members.Where(j => j < s).Sum(j => autogradHeldPerStep[j]) + L * members.Where(j => j >= s).Sum(j => backwardHeldPerStep[j]);
                    var (neuron, pool, synapse) = BackwardPhaseElements(stages[s], errorPropagates: s > start);
                    var accumulation = accumulate && !first ? b * (double)stages[s].Weights : 0;   // new gradient, then added into the old one
                    return before + Math.Max(L * (autogradHeldPerStep[s] + n * b * neuron) - Missing(s, true),
                        Math.Max(L * (synapseSavedPerStep[s] + n * b * pool) - Missing(s, true), L * n * b * synapse + accumulation - Missing(s, false)));
                });
                // The end of the forward, before the block's zero_grad: from the second window on every gradient still exists.
                var afterForward = scopeHeld + L * members.Sum(s => autogradHeldPerStep[s]) - (first ? members.Sum(s => gradientBytes[s]) + laterBlocksGradients : 0);
                var duringUpdate = accumulate ? adam : scopeHeld + L * members.Sum(s => backwardHeldPerStep[s]) + adam - (first ? laterBlocksGradients : 0);
                peak = Math.Max(peak, Math.Max(afterForward, Math.Max(duringBackward, duringUpdate)) + L * carriedPerStep);
            }
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
        var state = 2 * n * b * stages.Where(s => s.IsSpiking).Sum(s => (double)s.Neurons);
        var parameters = stages.Sum(s => (double)s.Parameters) + headParams;
        var persistent = parameters * b * (2 + o.OptimizerStateTensors);
        return new CostReport(plan, batch, costs, retained, peakActivations + blockOutputs + transient + encoded + state, persistent,
            encoded, state, transient, blockOutputs, o);
    }

    /// <summary>
    /// Gradient elements per sample and step a stage's backward holds in each of its phases: the neuron (gradients of the
    /// output and of the currents), pooling (gradients of the pooled currents and of the synapse output; 0 without
    /// pooling) and the synapse (gradient of its output; for a convolution the copies libtorch's CPU kernel makes of
    /// grad-output and input — measured with the exact allocation counter at ≈ synapse output + input, within 15 % on the
    /// W1–W3 shapes except the 2-channel k5 W2 input layer with an input gradient, 2.3×; and the input gradient where
    /// error propagates into the previous stage).
    /// </summary>
    internal static (double Neuron, double Pool, double Synapse) BackwardPhaseElements(StageDescription stage, bool errorPropagates)
    {
        double neurons = stage.Neurons, synapse = stage.SynapseOutputs, input = stage.InputSize;
        return (2 * neurons,
            stage.Pool == PoolKind.None ? 0 : neurons + synapse,
            synapse + (stage.Synapse == SynapseKind.Conv ? synapse + input : 0) + (errorPropagates ? input : 0));
    }

    /// <summary>Relative change (new − baseline) / baseline, e.g. −0.8994 for the paper's memory figure.</summary>
    public static double Change(double value, double baseline) => baseline == 0 ? 0 : (value - baseline) / baseline;
}
