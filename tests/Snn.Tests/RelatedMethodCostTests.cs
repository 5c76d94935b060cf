using Snn.Benchmarks;
using Snn.Costs;
using Snn.Experiments;
using Snn.Optimization;
using Snn.Plans;

namespace Snn.Tests;

/// <summary>
/// The cost model of the related methods and of the optimizer (docs/costs.md): SLTT-K backpropagates k of the T steps,
/// OTTT's traced weight gradient is a MAC and its trace is carried state, and the optimizer fields follow the run's
/// optimizer settings (Adam's are the defaults, so every Adam figure stays as it was).
/// </summary>
public sealed class RelatedMethodCostTests
{
    private static readonly Workload W1 = Workload.W1, W2 = Workload.W2;

    private static CostReport Estimate(Workload w, TrainingPlan plan, CostOptions? options = null) =>
        CostModel.Estimate(w.Build().Describe(), plan, w.Batch, options ?? w.CostOptions());

    private static void Near(double expected, double actual) => Assert.Equal(expected, actual, Math.Abs(expected) * 1e-12);

    [Fact]
    public void Sltt_k_runs_the_forward_of_every_step_and_the_backward_of_k()
    {
        var sltt = Estimate(W2, TrainingPlan.Sltt(10));
        var sampled = Estimate(W2, TrainingPlan.SlttK(10, 2));
        Assert.Equal(sltt.MacsOf(CostPhase.Forward), sampled.MacsOf(CostPhase.Forward));
        Assert.Equal(sltt.AcsOf(CostPhase.Forward), sampled.AcsOf(CostPhase.Forward));
        Near(0.2 * sltt.MacsOf(CostPhase.ErrorPropagation), sampled.MacsOf(CostPhase.ErrorPropagation));
        Near(0.2 * sltt.AcsOf(CostPhase.WeightGradient), sampled.AcsOf(CostPhase.WeightGradient));
        Assert.Equal(sltt.MacsOf(CostPhase.Optimizer), sampled.MacsOf(CostPhase.Optimizer));   // one update per batch either way
        Near(0.2 * sltt.GradientAccessBytes, sampled.GradientAccessBytes);
        Assert.True(sampled.ActivationAccessBytes < sltt.ActivationAccessBytes);
        Assert.True(sampled.WeightAccessBytes < sltt.WeightAccessBytes);
        // Two or more backpropagated steps: from the second on a new weight gradient is added into the old one, as in SLTT.
        Assert.Equal(sltt.PeakStepBytes, sampled.PeakStepBytes);
        var all = Estimate(W2, TrainingPlan.SlttK(10, 10));
        Assert.Equal((sltt.Macs, sltt.Acs, sltt.AccessBytes, sltt.PeakStepBytes), (all.Macs, all.Acs, all.AccessBytes, all.PeakStepBytes));
    }

    [Fact]
    public void Sltt_k_with_one_step_never_adds_into_a_weight_gradient()
    {
        // W1 at T = 5: SLTT-K with k = T/5 = 1. SLTT's later steps compute FC800's weight gradient (2.4 MiB) and add it into
        // the old one; the one backpropagated step of SLTT-K finds none, and the other steps run forward only.
        var w = W1 with { TimeSteps = 5 };
        var sltt = Estimate(w, TrainingPlan.Sltt(5));
        var one = Estimate(w, w.Plan("sltt-k"));
        Assert.Equal(1, one.Plan.SampledSteps);
        var gradient = 784.0 * 800 * 4;
        // SLTT peaks while adding that gradient; SLTT-K's peak is then its forward (the fused LIF's float temporaries), 0.19
        // gradients below SLTT's. A model that added into a gradient would give SLTT's peak.
        Assert.True(one.PeakStepBytes <= sltt.PeakStepBytes - 0.1 * gradient, $"SLTT-K k=1 {one.PeakStepBytes} vs SLTT {sltt.PeakStepBytes}");
        Assert.Equal(sltt.RetainedActivationBytes, one.RetainedActivationBytes);
    }

    [Fact]
    public void Ottt_forms_the_traced_weight_gradients_as_macs_and_carries_the_trace()
    {
        var rates = new double[] { 0.1, 0.05, 0 };
        var options = W2.CostOptions(rates);
        var sltt = Estimate(W2, TrainingPlan.Sltt(10), options);
        var ottt = Estimate(W2, TrainingPlan.Ottt(10, online: false), options);
        // The first stage reads the encoder's input and keeps its plain weight gradient.
        Assert.Equal(sltt.Stages[0], ottt.Stages[0]);
        foreach (var i in new[] { 1, 2 })
        {
            var (plain, traced) = (sltt.Stages[i], ottt.Stages[i]);
            Assert.Equal(0, traced.WeightGradientAcs);
            // Dense: the trace is real-valued wherever the input ever spiked, so the firing rate does not thin the products.
            Near(plain.WeightGradientAcs / rates[i - 1], traced.WeightGradientMacs);
            Assert.Equal((plain.ForwardAcs, plain.ErrorPropagationMacs), (traced.ForwardAcs, traced.ErrorPropagationMacs));
        }
        // The readout's input (64·5·5 per sample) as a trace: updated (read â, read x, write â) and read by the weight gradient every step.
        Near(sltt.Stages[2].ActivationBytes + 4.0 * 32 * 10 * 1600 * 4, ottt.Stages[2].ActivationBytes);
        // Carried: a float trace of both traced stages' inputs (12·15·15 and 64·5·5 per sample).
        Near(sltt.CarriedStateBytes + 32.0 * (2700 + 1600) * 4, ottt.CarriedStateBytes);
        Assert.True(ottt.PeakStepBytes > sltt.PeakStepBytes);
        Assert.Equal(sltt.MacsOf(CostPhase.Forward), ottt.MacsOf(CostPhase.Forward));
    }

    [Fact]
    public void Optimizer_fields_follow_the_optimizer_settings()
    {
        // Adam without weight decay is the defaults: every Adam figure (and the golden file) stays as it was.
        Assert.Equal(CostOptions.Default, CostOptions.For(new OptimizerSettings()));
        Assert.Equal(CostOptions.Default, CostOptions.For(OptimizerSettings.Adam()));
        static (double, int, int) Fields(OptimizerSettings s) =>
            CostOptions.For(s) is var o ? (o.OptimizerMacsPerParameter, o.OptimizerStateTensors, o.OptimizerTemporaries) : default;
        Assert.Equal((5.0, 2, 2), Fields(OptimizerSettings.Adam(weightDecay: 1e-4)));
        Assert.Equal((2.0, 1, 0), Fields(OptimizerSettings.Sgd()));
        Assert.Equal((3.0, 1, 1), Fields(OptimizerSettings.Sgd(weightDecay: 5e-4)));
        Assert.Equal((3.0, 1, 1), Fields(OptimizerSettings.Sgd(nesterov: true)));
        Assert.Equal((1.0, 0, 0), Fields(OptimizerSettings.Sgd(momentum: 0)));
        Assert.Equal(ChunkedAdam.DefaultChunkElements, CostOptions.For(OptimizerSettings.Sgd()).OptimizerChunkElements);
        // The other fields are kept.
        var events = new CostOptions { AnalogInput = false, InputRate = 0.05 }.WithOptimizer(OptimizerSettings.Sgd());
        Assert.Equal((false, 0.05), (events.AnalogInput, events.InputRate));

        var parameters = 784.0 * 800 + 800 + 800 * 10 + 10;
        var adam = Estimate(W1, TrainingPlan.Bptt(25));
        var sgd = Estimate(W1, TrainingPlan.Bptt(25), W1.CostOptions().WithOptimizer(OptimizerSettings.Sgd()));
        var plain = Estimate(W1, TrainingPlan.Bptt(25), W1.CostOptions().WithOptimizer(OptimizerSettings.Sgd(momentum: 0)));
        Assert.Equal(parameters * 4 * 4, adam.PersistentBytes);   // w, grad, m, v
        Assert.Equal(parameters * 4 * 3, sgd.PersistentBytes);    // w, grad, buffer
        Assert.Equal(parameters * 4 * 2, plain.PersistentBytes);
        Assert.Equal(2 * parameters, sgd.MacsOf(CostPhase.Optimizer));
        Assert.Equal(parameters * 4 * 5, sgd.OptimizerAccessBytes);   // read w, g, buffer; write w, buffer
        Assert.Equal(parameters * 4 * 3, plain.OptimizerAccessBytes);
        Assert.Equal(adam.MacsOf(CostPhase.Forward), sgd.MacsOf(CostPhase.Forward));
        // OTTT_O peaks in its update on W1: Adam's chunk-sized temporary (FC800's 627 200 weights), none for SGD with momentum.
        var online = TrainingPlan.Ottt(25, online: true);
        var (adamPeak, sgdPeak) = (Estimate(W1, online).PeakStepBytes,
            Estimate(W1, online, W1.CostOptions().WithOptimizer(OptimizerSettings.Sgd())).PeakStepBytes);
        Assert.True(sgdPeak < adamPeak - 0.5 * 784 * 800 * 4, $"SGD {sgdPeak} vs Adam {adamPeak}");
    }

    [Fact]
    public void A_run_costs_its_own_optimizer()
    {
        var adam = ExperimentConfig.Parse(ExperimentConfigTests.Synthetic());
        Assert.Equal(new CostOptions { AnalogInput = true, InputConstantOverTime = true }, ExperimentRunner.CostOptionsOf(adam));
        var sgd = ExperimentConfig.Parse(ExperimentConfigTests.Synthetic().Replace("\"optimizer\": { \"lr\": 5e-3 }",
            "\"optimizer\": { \"lr\": 0.1, \"name\": \"sgd\" }", StringComparison.Ordinal));
        var options = ExperimentRunner.CostOptionsOf(sgd);
        Assert.Equal((2.0, 1, true), (options.OptimizerMacsPerParameter, options.OptimizerStateTensors, options.AnalogInput));
        // The network's layout and synapse chunks reach the run's costs.json as they reach the bench's model column.
        var knobs = ExperimentConfig.Parse(ExperimentConfigTests.Synthetic().Replace("\"optimizer\": { \"lr\": 5e-3 }",
            "\"optimizer\": { \"lr\": 5e-3 }, \"convolutionLayout\": \"channels-last\", \"synapseChunk\": 64", StringComparison.Ordinal));
        var knobOptions = ExperimentRunner.CostOptionsOf(knobs);
        Assert.Equal((Layers.ConvolutionLayout.ChannelsLast, (int?)64), (knobOptions.ConvolutionLayout, knobOptions.SynapseChunk));
    }

    [Fact]
    public void The_costs_are_finite_for_every_related_mode()
    {
        foreach (var w in new[] { W1, W2 })
            foreach (var mode in Workload.RelatedModes)
            {
                var r = Estimate(w, w.Plan(mode));
                Assert.True(double.IsFinite(r.PeakStepBytes) && r.PeakStepBytes > 0 && r.Macs + r.Acs > 0, $"{w.Id} {mode}: {r}");
            }
    }
}
