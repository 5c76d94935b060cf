using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using System.Globalization;
using TorchSharp;
using static TorchSharp.torch;

namespace Snn.Layers;

/// <summary>
/// Which libtorch convolution kernels a synapse may use on a device, decided per process and device by a small numerical
/// probe on first use (a few milliseconds) instead of a constant: libtorch 2.10's oneDNN CPU kernels are wrong on some
/// CPUs and right on others (docs/precision.md). Two decisions:
/// <list type="bullet">
/// <item><see cref="ConvInBFloat16"/>: under <see cref="SynapsePrecision.BFloat16"/>, conv synapses run in bfloat16. The
/// probe compares libtorch's bf16 convolution (forward, input and weight gradient) with float64 on the same bf16-rounded
/// values; it is allowed when every relative error is below <see cref="BFloat16Tolerance"/> (bf16 rounding gives ~0.3 %;
/// the bug 10–40 % or NaN).</item>
/// <item><see cref="PadConvChannels"/>: a float32 convolution whose input gradient is needed pads its output channels
/// to a multiple of 16 with zero filters. The probe compares float32 input gradients with float64 for output channel
/// counts off 16; padding is on when any is off by more than <see cref="Float32Tolerance"/> (right: ~1e-7; the bug:
/// 30–80 %). Only CPU convolutions are probed for it (the bug is oneDNN's backward-data kernel).</item>
/// </list>
/// <c>$SNN_BF16_CONV</c> and <c>$SNN_CONV_CHANNEL_PAD</c> (<c>auto</c>, the default, <c>on</c> or <c>off</c>) override
/// the probe; the measured errors are still recorded. The probe runs on the process's thread count, with its own
/// generator (the global seed is untouched) and with gradients enabled whatever the caller's mode.
/// </summary>
public sealed record SynapseKernelPolicy(
    string Device, bool ConvInBFloat16, bool PadConvChannels, double BFloat16ConvError, double Float32InputGradientError, string Source)
{
    public const string BFloat16ConvVariable = "SNN_BF16_CONV";
    public const string ChannelPadVariable = "SNN_CONV_CHANNEL_PAD";
    /// <summary>Largest relative error (norm of the difference / norm of float64) a bf16 convolution may have: ~5× bf16 rounding.</summary>
    public const double BFloat16Tolerance = 0.02;
    /// <summary>Largest relative error of a float32 conv input gradient: ~100× float32 rounding on the probe's shapes.</summary>
    public const double Float32Tolerance = 1e-4;

    private static readonly ConcurrentDictionary<string, SynapseKernelPolicy> Decided = new();

    /// <summary>The policy for <paramref name="device"/> (probed once per process and device).</summary>
    public static SynapseKernelPolicy For(Device device) =>
        Decided.GetOrAdd(device.ToString(), _ => Decide(device, Environment.GetEnvironmentVariable(BFloat16ConvVariable),
            Environment.GetEnvironmentVariable(ChannelPadVariable)));

    /// <summary>The policy for the CPU.</summary>
    public static SynapseKernelPolicy Cpu => For(torch.CPU);

    /// <summary>The policies decided so far in this process, for reports.</summary>
    public static IReadOnlyList<SynapseKernelPolicy> All => [.. Decided.Values.OrderBy(p => p.Device, StringComparer.Ordinal)];

    /// <summary>
    /// Probes <paramref name="device"/> and applies the overrides (null or "auto": the probe decides). Throws
    /// <see cref="ArgumentException"/> naming the variable for another value. Not cached: <see cref="For"/> is.
    /// </summary>
    public static SynapseKernelPolicy Decide(Device device, string? bf16Override, string? padOverride)
    {
        var bf16Choice = Choice(BFloat16ConvVariable, bf16Override);
        var padChoice = Choice(ChannelPadVariable, padOverride);
        var bf16Error = ProbeBFloat16Convolution(device);
        var cpu = device.type == DeviceType.CPU;
        var float32Error = cpu ? ProbeFloat32InputGradient(device) : 0;
        var overrides = new[] { bf16Choice is null ? null : BFloat16ConvVariable, padChoice is null ? null : ChannelPadVariable }.OfType<string>();
        var source = bf16Choice is null && padChoice is null ? "probe" : $"probe, overridden by {string.Join(" and ", overrides)}";
        return new SynapseKernelPolicy(device.ToString(),
            bf16Choice ?? bf16Error < BFloat16Tolerance,
            cpu && (padChoice ?? float32Error > Float32Tolerance),
            bf16Error, float32Error, source);
    }

    /// <summary>"cpu: bf16 conv on (probe error 0.17 %), channel padding off (probe error 1.9e-07)".</summary>
    public string Describe() => string.Create(CultureInfo.InvariantCulture,
        $"{Device}: bf16 conv {(ConvInBFloat16 ? "on" : "off")} (probe error {BFloat16ConvError:P2}), conv channel padding "
        + $"{(PadConvChannels ? "on" : "off")} (probe error {Float32InputGradientError:E1}){(Source == "probe" ? "" : $"; {Source}")}");

    public override string ToString() => Describe();

    private static bool? Choice(string variable, string? value) => value?.Trim().ToLowerInvariant() switch
    {
        null or "" or "auto" => null,
        "on" or "1" or "true" => true,
        "off" or "0" or "false" => false,
        _ => throw new ArgumentException($"${variable} = '{value}': expected auto, on or off.", variable),
    };

    // Shapes as the kit's networks meet them: a first layer on analog input, channel counts off and on 16, odd sizes.
    private static readonly (long In, long Out, long Size)[] BFloat16Shapes = [(1, 6, 12), (6, 12, 10), (16, 20, 9), (16, 32, 8)];

    /// <summary>
    /// The worst relative error of libtorch's bf16 convolution (output, input and weight gradient) against float64 on
    /// the same bf16-rounded input, weight and upstream gradient; infinity for a NaN or a kernel that throws.
    /// </summary>
    public static double ProbeBFloat16Convolution(Device device)
    {
        using var scope = torch.NewDisposeScope();
        using var grad = torch.enable_grad();
        var g = new torch.Generator(17);
        var worst = 0.0;
        try
        {
            foreach (var (inChannels, outChannels, size) in BFloat16Shapes)
            {
                var x = Round(torch.rand([32, inChannels, size, size], generator: g, dtype: ScalarType.Float64) * 1.5);
                var w = Round(torch.randn([outChannels, inChannels, 3, 3], generator: g, dtype: ScalarType.Float64) * 0.3);
                var upstream = Round(torch.randn([32, outChannels, size - 2, size - 2], generator: g, dtype: ScalarType.Float64));
                var low = Run(x, w, upstream, ScalarType.BFloat16, device);
                var exact = Run(x, w, upstream, ScalarType.Float64, device);
                for (var i = 0; i < low.Length; i++) worst = Math.Max(worst, Relative(low[i], exact[i]));
            }
        }
        catch (Exception e) when (e is ExternalException or NotSupportedException or InvalidOperationException)
        {
            return double.PositiveInfinity;   // no bf16 convolution on this device
        }
        return worst;
    }

    /// <summary>The worst relative error of libtorch's float32 conv input gradient against float64 for output channel counts off 16.</summary>
    public static double ProbeFloat32InputGradient(Device device)
    {
        using var scope = torch.NewDisposeScope();
        using var grad = torch.enable_grad();
        var g = new torch.Generator(3);
        var worst = 0.0;
        foreach (var outChannels in new long[] { 4, 6, 12, 20 })
        {
            // Spike input, as a stage after the first sees it.
            var x = (torch.rand([32, 2, 14, 14], generator: g, dtype: ScalarType.Float64) < 0.2).to_type(ScalarType.Float64);
            var w = torch.randn([outChannels, 2, 3, 3], generator: g, dtype: ScalarType.Float64) * 0.3;
            var upstream = torch.randn([32, outChannels, 12, 12], generator: g, dtype: ScalarType.Float64);
            var single = Run(x, w, upstream, ScalarType.Float32, device);
            var exact = Run(x, w, upstream, ScalarType.Float64, device);
            worst = Math.Max(worst, Relative(single[1], exact[1]));
        }
        return worst;
    }

    private static Tensor Round(Tensor t) => t.to_type(ScalarType.BFloat16).to_type(ScalarType.Float64);

    // Output, input gradient and weight gradient of conv2d in dtype on device, returned as float64 on the CPU.
    private static Tensor[] Run(Tensor x, Tensor w, Tensor upstream, ScalarType dtype, Device device)
    {
        var input = x.to(dtype, device).detach().requires_grad_();
        var weight = w.to(dtype, device).detach().requires_grad_();
        var y = nn.functional.conv2d(input, weight);
        torch.autograd.backward([y], [upstream.to(dtype, device)]);
        return [.. new[] { y.detach(), input.grad!, weight.grad! }.Select(t => t.to(ScalarType.Float64, torch.CPU))];
    }

    private static double Relative(Tensor a, Tensor reference)
    {
        var error = ((a - reference).norm() / reference.norm()).item<double>();
        return double.IsFinite(error) ? error : double.PositiveInfinity;
    }
}
