using Snn.Neurons;
using TorchSharp;
using static TorchSharp.torch;

namespace Snn.Networks;

/// <summary>
/// Data-dependent initialisation for plain (no batch norm) spiking nets, in the spirit of LSUV (Mishkin
/// &amp; Matas 2016): layer by layer, the synapse's weights and bias are multiplied by one factor chosen
/// so that the stage fires at a target rate on a sample input. This keeps the architecture exact (e.g.
/// workload W3) while fixing the silent deep layers a default init gives on sparse event input.
/// </summary>
public static class Calibration
{
    /// <summary>
    /// Scales each spiking stage without batch norm, first to last, so that its firing rate on
    /// <paramref name="input"/> [T, N, …] is within <paramref name="tolerance"/> (relative) of
    /// <paramref name="targetRate"/>. Returns the factor applied per stage (1 for stages left alone:
    /// the readout and stages with batch norm, which undoes any scale). Runs without gradients, in eval
    /// mode (dropout off); state is reset before and after; the training flag is restored.
    /// </summary>
    public static double[] ScaleToFiringRate(SpikingNetwork network, Tensor input, double targetRate = 0.1, double tolerance = 0.1, int maxIterations = 30)
    {
        if (!(targetRate > 0 && targetRate < 1)) throw new ArgumentOutOfRangeException(nameof(targetRate), targetRate, "Target firing rate must be in (0, 1).");
        if (!(tolerance > 0)) throw new ArgumentOutOfRangeException(nameof(tolerance), tolerance, "Tolerance must be > 0.");
        if (maxIterations < 1) throw new ArgumentOutOfRangeException(nameof(maxIterations), maxIterations, "Need at least one iteration.");
        var wasTraining = network.training;
        network.eval();
        network.ResetState();
        var factors = new double[network.Stages.Count];
        try
        {
            using var noGrad = torch.no_grad();
            using var scope = torch.NewDisposeScope();
            var x = input;
            for (var i = 0; i < network.Stages.Count; i++)
            {
                var stage = network.Stages[i];
                factors[i] = 1;
                if (stage.IsSpiking && stage.Norm is null)
                {
                    if (!x.ne(0).any().item<bool>())
                        throw new InvalidOperationException($"Stage {i} ('{stage.Spec}') receives no input at all on this sample, "
                            + "so no weight scale can make it fire; check the input (or the stages before it).");
                    var weights = stage.Synapse.parameters().ToArray();
                    double Rate()
                    {
                        using var inner = torch.NewDisposeScope();
                        stage.ResetState();
                        var r = stage.forward(x).to_type(ScalarType.Float64).mean().item<double>();
                        stage.ResetState();
                        return r;
                    }
                    void Scale(double f) { foreach (var w in weights) w.mul_(f); factors[i] *= f; }

                    // Rates grow with the scale of the currents: bracket the target by doubling/halving, then bisect in log space.
                    double lo = 0, hi = double.PositiveInfinity;
                    for (var it = 0; it < maxIterations; it++)
                    {
                        var rate = Rate();
                        if (Math.Abs(rate - targetRate) <= tolerance * targetRate) break;
                        var current = factors[i];
                        if (rate < targetRate) lo = current; else hi = current;
                        var next = double.IsPositiveInfinity(hi) ? current * 2 : lo == 0 ? current / 2 : Math.Sqrt(lo * hi);
                        Scale(next / current);
                    }
                }
                stage.ResetState();
                x = stage.forward(x);
                stage.ResetState();
            }
        }
        finally
        {
            network.ResetState();
            network.train(wasTraining);
        }
        return factors;
    }
}
