using static TorchSharp.torch;

namespace Snn.Layers;

/// <summary>The channels-last layout of [N, C, H, W] tensors: [N, H, W, C] in memory, still read as [N, C, H, W].</summary>
internal static class ChannelsLast
{
    /// <summary>A channels-last copy of <paramref name="t"/> (none when it is channels-last already).</summary>
    public static Tensor Of(Tensor t) => t.permute(0, 2, 3, 1).contiguous().permute(0, 3, 1, 2);

    /// <summary>
    /// True where the layout is a choice: more than one channel (one channel is both layouts, and a channels-last copy of
    /// it only costs: the network's ChannelsLast layout leaves such a convolution planar, and the cost model follows).
    /// </summary>
    public static bool Applies(long channels) => channels > 1;

    /// <summary>True for a channels-last tensor with more than one channel.</summary>
    public static bool Is(Tensor t) => t.dim() == 4 && Applies(t.shape[1]) && t.stride(1) == 1 && t.stride(3) == t.shape[1];
}
