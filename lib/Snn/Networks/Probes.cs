using Snn.Neurons;
using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn.functional;

namespace Snn.Networks;

/// <summary>Measurements of a network on one batch: firing rates per stage and gradient norms per stage.</summary>
public static class Probes
{
    /// <summary>
    /// Runs <paramref name="input"/> [T, N, …] from rest without gradients and returns each spiking stage's
    /// firing rate (spikes per neuron per step). State is reset before and after.
    /// </summary>
    public static double[] FiringRates(SpikingNetwork network, Tensor input)
    {
        using var scope = torch.NewDisposeScope();
        return SpikeRecord(network, input).Select(r => r.Spikes.to_type(ScalarType.Float64).mean().item<double>()).ToArray();
    }

    /// <summary>
    /// The spikes of every spiking stage for <paramref name="input"/> [T, N, …], run from rest without gradients (state
    /// is reset before and after): for rasters and firing-rate plots. Tensors are made in the caller's dispose scope.
    /// </summary>
    public static IReadOnlyList<(int Stage, string Spec, Tensor Spikes)> SpikeRecord(SpikingNetwork network, Tensor input)
    {
        IReadOnlyList<Tensor> outputs;
        using (torch.no_grad())
        {
            network.ResetState();
            outputs = network.ForwardStages(input);
            network.ResetState();
        }
        return network.Stages.Select((s, i) => (s, i)).Where(p => p.s.IsSpiking).Select(p => (p.i, p.s.Spec, outputs[p.i])).ToList();
    }

    /// <summary>
    /// One full-BPTT backward pass of the cross-entropy on the time-averaged readout; returns, for each
    /// spiking stage, the L2 norm of ∂L/∂s (the error signal reaching its output spikes over all steps),
    /// first stage first. Unlike weight gradients this does not scale with the layer's input activity,
    /// so it isolates how gradients shrink or grow through depth. Gradients are zeroed afterwards.
    /// </summary>
    public static double[] SpikeGradientNorms(SpikingNetwork network, Tensor input, Tensor labels)
    {
        using var scope = torch.NewDisposeScope();
        network.zero_grad();
        network.ResetState();
        var outputs = network.ForwardStages(input);
        var spiking = network.Stages.Select((s, i) => (s, i)).Where(p => p.s.IsSpiking).Select(p => outputs[p.i]).ToArray();
        foreach (var o in spiking) o.retain_grad();
        var loss = cross_entropy(outputs[^1].mean([0]), labels);
        loss.backward();
        network.ResetState();
        var norms = spiking.Select(o => o.grad is null ? 0.0 : o.grad.norm().to_type(ScalarType.Float64).item<double>()).ToArray();
        network.zero_grad();
        return norms;
    }

    /// <summary>
    /// One full-BPTT backward pass of the cross-entropy on the time-averaged readout; returns the L2 norm
    /// of each stage's weight gradient (first stage first). Gradients are zeroed before and after.
    /// </summary>
    public static double[] WeightGradientNorms(SpikingNetwork network, Tensor input, Tensor labels)
    {
        using var scope = torch.NewDisposeScope();
        network.zero_grad();
        network.ResetState();
        var loss = cross_entropy(network.forward(input).mean([0]), labels);
        loss.backward();
        network.ResetState();
        var norms = network.Stages.Select(s =>
        {
            var w = s.Weight;
            return w.grad is null ? 0.0 : w.grad.norm().to_type(ScalarType.Float64).item<double>();
        }).ToArray();
        network.zero_grad();
        return norms;
    }
}
