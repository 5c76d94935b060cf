using System.Runtime.InteropServices;
using TorchSharp;
using static TorchSharp.torch;

namespace Snn.Native;

/// <summary>
/// The kit's single-pass CPU kernels (libsnn_kernels.so, built from snn_kernels.c with gcc beside Snn.dll) for its
/// compact autograd nodes. <see cref="Available"/> is false without the library, off Linux, or with
/// <c>$SNN_NATIVE=0</c>; callers then use their TorchSharp path, which computes the same values. The kernels take
/// contiguous CPU buffers: callers check <see cref="Applies"/>.
/// </summary>
internal static class NativeKernels
{
    public const string Variable = "SNN_NATIVE";
    private const string LibraryName = "libsnn_kernels.so";
    private const int ExpectedVersion = 1;

    private delegate void PoolForward(IntPtr input, IntPtr output, IntPtr winner, long planes, long h, long w, int k);
    private delegate void PoolBackward(IntPtr gradOutput, IntPtr winner, IntPtr gradInput, long planes, long h, long w, int k);
    private delegate int Version();

    private sealed record Exports(PoolForward ForwardF32, PoolForward ForwardF64, PoolBackward BackwardF32, PoolBackward BackwardF64);

    private static readonly Lazy<Exports?> Loaded = new(Load);

    /// <summary>True when the library is loaded and not switched off by <c>$SNN_NATIVE=0</c>.</summary>
    public static bool Available => Enabled && Loaded.Value is not null;

    /// <summary>Switch for comparisons and tests (initially false only when <c>$SNN_NATIVE=0</c>).</summary>
    public static bool Enabled { get; set; } = Environment.GetEnvironmentVariable(Variable) != "0";

    /// <summary>The kernels run on contiguous float32/float64 CPU tensors.</summary>
    public static bool Applies(Tensor t) =>
        Available && t.device_type == DeviceType.CPU && t.is_contiguous() && t.dtype is ScalarType.Float32 or ScalarType.Float64;

    /// <summary>k×k max pooling, stride k, floor mode, of contiguous [planes, h, w]: the output and each output's winner (dy·k + dx).</summary>
    public static void MaxPoolForward(Tensor input, Tensor output, Tensor winner, long planes, long h, long w, int k)
    {
        var f = Loaded.Value!;
        (input.dtype == ScalarType.Float32 ? f.ForwardF32 : f.ForwardF64)(Data(input), Data(output), Data(winner), planes, h, w, k);
    }

    /// <summary>Max pooling's input gradient: every input written, the output's gradient at its winner, 0 elsewhere.</summary>
    public static void MaxPoolBackward(Tensor gradOutput, Tensor winner, Tensor gradInput, long planes, long h, long w, int k)
    {
        var f = Loaded.Value!;
        (gradOutput.dtype == ScalarType.Float32 ? f.BackwardF32 : f.BackwardF64)(Data(gradOutput), Data(winner), Data(gradInput), planes, h, w, k);
    }

    private static IntPtr Data(Tensor t) => THSTensor_data(t.Handle);

    [DllImport("LibTorchSharp")]
    private static extern IntPtr THSTensor_data(IntPtr handle);

    private static Exports? Load()
    {
        if (!OperatingSystem.IsLinux()) return null;
        var folder = Path.GetDirectoryName(typeof(NativeKernels).Assembly.Location);
        if (string.IsNullOrEmpty(folder) || !NativeLibrary.TryLoad(Path.Combine(folder, LibraryName), out var library)) return null;
        T Get<T>(string name) where T : Delegate => Marshal.GetDelegateForFunctionPointer<T>(NativeLibrary.GetExport(library, name));
        try
        {
            // A copy from another build of the kit with other signatures is not used.
            if (Get<Version>("snn_kernels_version")() != ExpectedVersion) return null;
            return new Exports(Get<PoolForward>("snn_maxpool_forward_f32"), Get<PoolForward>("snn_maxpool_forward_f64"),
                Get<PoolBackward>("snn_maxpool_backward_f32"), Get<PoolBackward>("snn_maxpool_backward_f64"));
        }
        catch (EntryPointNotFoundException) { return null; }
    }
}
