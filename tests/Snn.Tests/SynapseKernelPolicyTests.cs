using Snn.Experiments;
using Snn.Layers;
using TorchSharp;
using static TorchSharp.torch;

namespace Snn.Tests;

/// <summary>
/// The kernel policy (docs/precision.md): probed once per process and device, overridable, reported. Its outcome on
/// whatever CPU runs the tests is checked by MixedPrecisionTests and ConvInputGradientTests; here the mechanism.
/// </summary>
public sealed class SynapseKernelPolicyTests
{
    [Fact]
    public void The_probe_measures_both_kernels_and_decides_by_the_stated_tolerances()
    {
        var policy = SynapseKernelPolicy.Decide(torch.CPU, null, null);
        Assert.Equal("probe", policy.Source);
        Assert.Equal("cpu", policy.Device);
        // A measured error, not a constant: bf16 rounding alone leaves at least ~0.1 % on the probe's shapes.
        Assert.True(policy.BFloat16ConvError > 1e-4, $"bf16 probe error {policy.BFloat16ConvError}");
        Assert.True(policy.Float32InputGradientError > 0, $"float32 probe error {policy.Float32InputGradientError}");
        Assert.Equal(policy.BFloat16ConvError < SynapseKernelPolicy.BFloat16Tolerance, policy.ConvInBFloat16);
        Assert.Equal(policy.Float32InputGradientError > SynapseKernelPolicy.Float32Tolerance, policy.PadConvChannels);
    }

    [Fact]
    public void The_probe_agrees_with_an_independent_measurement_of_the_bf16_convolution()
    {
        // The conv of the known libtorch bug (6 output channels, analog input) measured here without the policy's code.
        using var scope = torch.NewDisposeScope();
        var g = new torch.Generator(5);
        var x = (torch.rand([32, 1, 12, 12], generator: g) * 1.5).to_type(ScalarType.BFloat16);
        var w = torch.randn([6, 1, 3, 3], generator: g).to_type(ScalarType.BFloat16);
        var low = nn.functional.conv2d(x, w).to_type(ScalarType.Float64);
        var exact = nn.functional.conv2d(x.to_type(ScalarType.Float64), w.to_type(ScalarType.Float64));
        var error = ((low - exact).norm() / exact.norm()).item<double>();
        var policy = SynapseKernelPolicy.Cpu;
        if (policy.ConvInBFloat16) Assert.True(error < 0.02, $"the policy allows bf16 convs but this one is {error:P1} off: {policy}");
        else Assert.True(error > 0.02 || policy.Source != "probe", $"the probe forbids bf16 convs, yet this one is right ({error:P2}): {policy}");
    }

    [Fact]
    public void Environment_overrides_win_over_the_probe_and_are_named()
    {
        var forced = SynapseKernelPolicy.Decide(torch.CPU, "off", "ON");
        Assert.False(forced.ConvInBFloat16);
        Assert.True(forced.PadConvChannels);
        Assert.Contains(SynapseKernelPolicy.BFloat16ConvVariable, forced.Source);
        Assert.Contains(SynapseKernelPolicy.ChannelPadVariable, forced.Source);
        Assert.Contains("overridden", forced.Describe());
        var allowed = SynapseKernelPolicy.Decide(torch.CPU, "on", "off");
        Assert.True(allowed.ConvInBFloat16);
        Assert.False(allowed.PadConvChannels);
        Assert.Equal("probe", SynapseKernelPolicy.Decide(torch.CPU, "auto", " ").Source);

        var e = Assert.Throws<ArgumentException>(() => SynapseKernelPolicy.Decide(torch.CPU, "sometimes", null));
        Assert.Contains("$SNN_BF16_CONV", e.Message);
        Assert.Contains("auto, on or off", e.Message);
    }

    [Fact]
    public void The_policy_is_decided_once_per_process_and_reported_with_the_run_environment()
    {
        Assert.Same(SynapseKernelPolicy.Cpu, SynapseKernelPolicy.For(torch.CPU));
        Assert.Contains(SynapseKernelPolicy.Cpu, SynapseKernelPolicy.All);
        var info = RunInfo.Capture(Profile.Smoke, 1, System.Diagnostics.Stopwatch.StartNew());
        Assert.Contains(SynapseKernelPolicy.Cpu.Describe(), info.Kernels);
        Assert.False(string.IsNullOrWhiteSpace(info.CpuModel));
    }
}
