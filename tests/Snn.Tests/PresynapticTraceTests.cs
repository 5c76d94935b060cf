using Snn.Experiments;
using Snn.Layers;
using Snn.Networks;
using Snn.Neurons;
using Snn.Plans;
using Snn.Training;
using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn.functional;

namespace Snn.Tests;

/// <summary>
/// The presynaptic-trace synapse knob (OTTT): the autograd node against libtorch's own gradients with the trace as the
/// input, the carried trace as network state, and the plan and config surface (names, refusals, run ids).
/// </summary>
public sealed class PresynapticTraceTests
{
    private static double MaxDiff(Tensor a, Tensor b) => (a - b).abs().max().to_type(ScalarType.Float64).item<double>();

    /// <summary>
    /// Output and input gradient are libtorch's conv2d/linear on the input; the weight gradient is libtorch's with the
    /// trace as the input; the bias gradient is libtorch's. Geometries with stride, padding, dilation and a transposed
    /// convolution that needs an output padding.
    /// </summary>
    [Theory]
    [InlineData(3, 1, 0, 1, 9)]
    [InlineData(3, 2, 1, 1, 8)]   // output padding 1 in the input gradient
    [InlineData(5, 2, 2, 1, 11)]
    [InlineData(3, 1, 2, 2, 7)]
    [InlineData(3, 3, 1, 2, 10)]
    [InlineData(0, 0, 0, 0, 0)]   // linear
    public void The_node_has_the_synapses_values_and_the_traces_weight_gradient(int kernel, int stride, int padding, int dilation, int size)
    {
        using var scope = torch.NewDisposeScope();
        var g = new torch.Generator(7);
        foreach (var dtype in new[] { ScalarType.Float64, ScalarType.Float32 })
        {
            var isConv = kernel > 0;
            long[] inputShape = isConv ? [6, 5, size, size] : [6, 12];
            var x = (torch.rand(inputShape, generator: g, dtype: dtype) < 0.3).to_type(dtype);
            var trace = x + torch.rand(inputShape, generator: g, dtype: dtype);
            var w = torch.randn(isConv ? [7, 5, kernel, kernel] : [7, 12], generator: g, dtype: dtype) * 0.3;
            var b = torch.randn([7], generator: g, dtype: dtype);
            var geometry = isConv ? new PresynapticTraceFunction.Conv([stride, stride], [padding, padding], [dilation, dilation]) : null;
            Tensor Plain(Tensor input, Tensor weight, Tensor bias) =>
                isConv ? conv2d(input, weight, bias, geometry!.Stride, geometry.Padding, geometry.Dilation) : linear(input, weight, bias);

            var (xl, wl, bl) = (x.detach().requires_grad_(), w.detach().requires_grad_(), b.detach().requires_grad_());
            var y = PresynapticTraceFunction.Run(xl, trace, wl, bl, geometry);
            var upstream = torch.randn(y.shape, generator: g, dtype: dtype);
            torch.autograd.backward([y], [upstream]);

            var expected = Plain(x, w, b);
            Assert.True(MaxDiff(y, expected) == 0, $"{dtype} k{kernel} s{stride} p{padding} d{dilation}: the output should be the synapse's");
            var (xr, wr, br) = (x.detach().requires_grad_(), w.detach().requires_grad_(), b.detach().requires_grad_());
            torch.autograd.backward([Plain(xr, w, b)], [upstream]);
            torch.autograd.backward([Plain(trace, wr, br)], [upstream]);
            var tolerance = dtype == ScalarType.Float64 ? 1e-12 : 1e-4;
            foreach (var (name, got, want) in new[] { ("input", xl.grad!, xr.grad!), ("weight", wl.grad!, wr.grad!), ("bias", bl.grad!, br.grad!) })
            {
                Assert.Equal(want.shape, got.shape);
                var error = MaxDiff(got, want) / want.abs().max().to_type(ScalarType.Float64).item<double>();
                Assert.True(error <= tolerance, $"{dtype} k{kernel} s{stride} p{padding} d{dilation}: {name} gradient off by {error:G3}");
            }
        }
    }

    [Fact]
    public void The_trace_is_network_state_kept_in_training_only()
    {
        using var scope = torch.NewDisposeScope();
        torch.manual_seed(2);
        var net = NetworkSpec.Build("4C3-FC6-FC3", [1, 6, 6]);
        net.to(ScalarType.Float64);
        net.PresynapticTrace = true;
        Assert.False(net.Stages[0].PresynapticTrace);   // the encoder's input: no trace, as in OTTT's code
        Assert.True(net.Stages[1].PresynapticTrace && net.Stages[2].PresynapticTrace);
        var x = torch.rand([3, 2, 1, 6, 6], dtype: ScalarType.Float64) * 2;

        // Three calls of one step: the trace of the FC stage is β²·s[0] + β·s[1] + s[2] of the conv's spikes.
        var spikes = new List<Tensor>();
        net.ResetState();
        for (var t = 0; t < 3; t++) spikes.Add(net.ForwardStages(x.narrow(0, t, 1))[0].detach().flatten(2)[0]);
        var state = net.ExtractState();
        const double beta = 0.5;
        var expected = spikes[0] * (beta * beta) + spikes[1] * beta + spikes[2];
        Assert.True(spikes.Sum(s => s.sum().item<double>()) > 0, "the conv stage should spike");
        Assert.True(MaxDiff(state["stages.1/trace"].flatten(1), expected) == 0, "the trace follows â[t] = λ·â[t−1] + s[t]");
        Assert.DoesNotContain("stages.0/trace", state.Keys);
        Assert.Contains("stages.2/trace", state.Keys);   // the readout's, with λ = β_r
        net.ResetState();
        Assert.Empty(net.ExtractState());

        // Eval mode keeps none; turning the knob off drops it.
        net.eval();
        net.forward(x);
        Assert.DoesNotContain("stages.1/trace", net.ExtractState().Keys);
        net.train();
        net.forward(x);
        Assert.Contains("stages.1/trace", net.ExtractState().Keys);
        net.PresynapticTrace = false;
        Assert.DoesNotContain("stages.1/trace", net.ExtractState().Keys);
        foreach (var t in state.Values) t.Dispose();
    }

    [Fact]
    public void Plans_are_named_OTTT_and_refuse_longer_windows()
    {
        Assert.Equal("OTTT_A (T=6, K=1, accumulate)", TrainingPlan.Ottt(6, online: false).ToString());
        Assert.Equal("OTTT_O (T=6, K=1)", TrainingPlan.Ottt(6, online: true).ToString());
        Assert.Equal("OTTT_O", TrainingPlan.Ottt(1, online: true).Mode);
        Assert.Equal("TT-Local (T=6, K=1, B=1, presynaptic trace)", (TrainingPlan.TruncatedLocal(6, 1, 1) with { PresynapticTrace = true }).Validated().ToString());
        // The name comes from the method: the knob on its own is named after what the plan cuts.
        Assert.Equal("TBPTT (T=6, K=1, accumulate, presynaptic trace)",
            (TrainingPlan.Truncated(6, 1) with { Update = UpdatePolicy.Accumulate, PresynapticTrace = true }).Validated().ToString());
        Assert.Equal(RelatedMethod.OtttA, TrainingPlan.Ottt(6, online: false).Method);
        Assert.Equal(TrainingPlan.For(RelatedMethod.OtttO, 6), TrainingPlan.Ottt(6, online: true));
        // A method's name is a promise about its knobs: OTTT without the trace, or SLTT with it, is refused.
        Assert.Equal("PresynapticTrace", Assert.Throws<ArgumentException>(() => (TrainingPlan.Ottt(6, online: false) with { PresynapticTrace = false }).Validated()).ParamName);
        Assert.Equal("PresynapticTrace", Assert.Throws<ArgumentException>(() => (TrainingPlan.Sltt(6) with { PresynapticTrace = true }).Validated()).ParamName);
        Assert.Equal("Update", Assert.Throws<ArgumentException>(() => (TrainingPlan.Ottt(6, online: true) with { Update = UpdatePolicy.Accumulate }).Validated()).ParamName);
        var plan = TrainingPlan.Ottt(6, online: false);
        Assert.True(plan.PresynapticTrace && plan.WindowLength == 1 && !plan.IsLocal && plan.Update == UpdatePolicy.Accumulate);
        Assert.Equal(UpdatePolicy.PerWindowAndBlock, TrainingPlan.Ottt(6, online: true).Update);
        var tooLong = Assert.Throws<ArgumentException>(() => (TrainingPlan.Truncated(6, 2) with { PresynapticTrace = true }).Validated());
        Assert.Equal("PresynapticTrace", tooLong.ParamName);
        Assert.Contains("K = 1", tooLong.Message);
        Assert.Throws<ArgumentException>(() => (TrainingPlan.Bptt(6) with { PresynapticTrace = true }).Validated());
        // Existing names stay.
        Assert.Equal("TBPTT (T=6, K=1, accumulate)", (TrainingPlan.Truncated(6, 1) with { Update = UpdatePolicy.Accumulate }).ToString());
    }

    [Fact]
    public void A_learnable_leak_or_bf16_synapses_are_refused_naming_the_reason()
    {
        var learnable = NetworkSpec.Build("FC8-FC2", [4], new NetworkOptions { Neuron = new LifParameters { LearnableBeta = true } });
        // The FC8 stage reads the encoder's input (no trace) but the readout's input is spikes: its neuron is an integrator,
        // so only a learnable hidden β in a traced stage is refused.
        new Trainer(learnable, TrainingPlan.Ottt(4, online: true));
        var deeper = NetworkSpec.Build("FC8-FC8-FC2", [4], new NetworkOptions { Neuron = new LifParameters { LearnableBeta = true } });
        var e = Assert.Throws<ArgumentException>(() => new Trainer(deeper, TrainingPlan.Ottt(4, online: true)));
        Assert.Contains("learnable β", e.Message);
        Assert.Contains("FC8", e.Message);
        Assert.False(deeper.PresynapticTrace);

        var bf16 = NetworkSpec.Build("FC8-FC2", [4]);
        bf16.Precision = SynapsePrecision.BFloat16;
        var trainer = new Trainer(bf16, TrainingPlan.Ottt(2, online: true), new TrainerOptions { MeasureMemory = false });
        var refused = Assert.Throws<InvalidOperationException>(() => trainer.TrainStep(torch.rand([2, 3, 4]), torch.tensor(new long[] { 0, 1, 0 })));
        Assert.Contains("full-precision", refused.Message);
    }

    [Fact]
    public void The_config_key_is_written_only_when_on_and_refuses_K_above_1()
    {
        var plain = ExperimentConfig.Parse(ExperimentConfigTests.Synthetic(plan: "\"K\": 1"));
        var off = ExperimentConfig.Parse(ExperimentConfigTests.Synthetic(plan: "\"K\": 1, \"presynapticTrace\": false"));
        Assert.Equal(plain.CanonicalJson, off.CanonicalJson);
        Assert.Equal(plain.RunId, off.RunId);
        Assert.DoesNotContain("presynapticTrace", plain.CanonicalJson);

        var on = ExperimentConfig.Parse(ExperimentConfigTests.Synthetic(plan: "\"K\": 1, \"update\": \"accumulate\", \"presynapticTrace\": true"));
        Assert.Contains("\"presynapticTrace\": true", on.CanonicalJson);
        Assert.NotEqual(plain.RunId, on.RunId);
        Assert.Equal("TBPTT", on.Plan.Mode);
        Assert.Equal(TrainingPlan.Ottt(4, online: false) with { Method = null }, on.Plan);

        // plan.method "ottt-a" / "ottt-o" set the knobs (K = 1, one block, the trace, the update) and name the plan.
        var a = ExperimentConfig.Parse(ExperimentConfigTests.Synthetic(plan: "\"method\": \"ottt-a\""));
        Assert.Equal(TrainingPlan.Ottt(4, online: false), a.Plan);
        Assert.Equal("OTTT_A", a.Plan.Mode);
        Assert.Contains("\"method\": \"ottt-a\"", a.CanonicalJson);
        Assert.Contains("\"presynapticTrace\": true", a.CanonicalJson);
        Assert.Equal(a.RunId, ExperimentConfig.Parse(ExperimentConfigTests.Synthetic(plan: "\"method\": \"ottt-a\", \"presynapticTrace\": true, \"K\": 1")).RunId);
        var o = ExperimentConfig.Parse(ExperimentConfigTests.Synthetic(plan: "\"method\": \"ottt-o\""));
        Assert.Equal(TrainingPlan.Ottt(4, online: true), o.Plan);
        Assert.Equal("OTTT_O", o.Plan.Mode);
        foreach (var (plan, key) in new[]
        {
            ("\"method\": \"ottt-a\", \"presynapticTrace\": false", "plan.presynapticTrace"),
            ("\"method\": \"sltt\", \"presynapticTrace\": true", "plan.presynapticTrace"),
            ("\"method\": \"ottt-o\", \"update\": \"accumulate\"", "plan.update"),
            ("\"method\": \"ottt-a\", \"K\": 2", "plan.K"),
            ("\"method\": \"ottt-a\", \"B\": 1", "plan.B"),
        })
            Assert.Equal(key, Assert.Throws<ExperimentConfigException>(() => ExperimentConfig.Parse(ExperimentConfigTests.Synthetic(plan: plan))).Key);

        var k2 = Assert.Throws<ExperimentConfigException>(() => ExperimentConfig.Parse(ExperimentConfigTests.Synthetic(plan: "\"K\": 2, \"presynapticTrace\": true")));
        Assert.Equal("plan.presynapticTrace", k2.Key);
        Assert.Contains("K = 1", k2.Message);
        var bf16 = Assert.Throws<ExperimentConfigException>(() => ExperimentConfig.Parse(ExperimentConfigTests.Synthetic("\"precision\": \"bf16\"", plan: "\"K\": 1, \"presynapticTrace\": true")));
        Assert.Equal("plan.presynapticTrace", bf16.Key);
        var bf16Method = Assert.Throws<ExperimentConfigException>(() => ExperimentConfig.Parse(ExperimentConfigTests.Synthetic("\"precision\": \"bf16\"", plan: "\"method\": \"ottt-o\"")));
        Assert.Equal("plan.method", bf16Method.Key);
    }
}
