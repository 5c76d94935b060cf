namespace Snn.Layers;

/// <summary>
/// The memory layout a network's full-precision convolutions run in (SpikingNetwork.ConvolutionLayout,
/// docs/channels-last.md). The values are the same convolution; the kernels, and so the float32 rounding, differ.
/// </summary>
public enum ConvolutionLayout
{
    /// <summary>libtorch's default: [N, C, H, W] in memory (the kit's numbers, bitwise, come from this layout).</summary>
    Planar,
    /// <summary>
    /// Channels-last: a conv synapse copies its input to [N, H, W, C] in memory, so oneDNN's kernels need no blocked
    /// copies of input, output gradient and weights in backward (less time and memory on the CPU), and its max pooling
    /// returns the gradient in that layout. Gradients equal the planar ones up to float32 rounding (summation order).
    /// A one-channel input is both layouts and runs planar.
    /// </summary>
    ChannelsLast,
}
