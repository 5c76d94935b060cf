using static TorchSharp.torch;

namespace Snn.Encoders;

/// <summary>Turns a batch of static inputs [N, …] into a sequence [T, N, …] for the first stage.</summary>
public interface IEncoder
{
    string Name { get; }
    Tensor Encode(Tensor input, int timeSteps);

    /// <summary>The per-step input shape the network sees for a dataset sample of shape <paramref name="sampleShape"/>.</summary>
    long[] StepShape(long[] sampleShape) => sampleShape;
}
