using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using Snn.Layers;
using TorchSharp;
using static TorchSharp.torch;

namespace Snn.Encoders;

/// <summary>
/// Feeds precomputed event frames to a network: input [N, T·C, H, W] (see
/// <see cref="Snn.Data.EventDataset.AsImageDataset"/>) becomes [T, N, C, H, W]; T must equal the plan's time steps.
/// </summary>
public sealed class FramesEncoder(int timeSteps, int channels) : IEncoder
{
    public int TimeSteps { get; } = timeSteps;
    public int Channels { get; } = channels;
    public string Name => $"event frames (T = {TimeSteps}, C = {Channels})";

    public Tensor Encode(Tensor input, int timeSteps)
    {
        if (timeSteps != TimeSteps) throw new ArgumentException($"The event frames hold T = {TimeSteps} steps but the plan asks for {timeSteps}: bin the events into {timeSteps} frames.", nameof(timeSteps));
        if (input.dim() != 4 || input.shape[1] != (long)TimeSteps * Channels)
            throw new ArgumentException($"Expected frames [N, {TimeSteps}·{Channels}, H, W]; got [{string.Join(", ", input.shape)}].", nameof(input));
        return input.view(input.shape[0], TimeSteps, Channels, input.shape[2], input.shape[3]).transpose(0, 1);
    }

    /// <summary>Per-step input shape the network sees, from the dataset's sample shape [T·C, H, W].</summary>
    public long[] StepShape(long[] sampleShape) => [Channels, sampleShape[1], sampleShape[2]];
}
