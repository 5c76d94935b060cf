using Snn.Encoders;
using TorchSharp;
using static TorchSharp.torch;

namespace Snn.Data;

/// <summary>A frame dataset seen through an encoder: each batch of images [N, …] becomes input [T, N, …] for any T.</summary>
public sealed class EncodedImages(ImageDataset images, IEncoder encoder) : IBatchSource
{
    public ImageDataset Images { get; } = images ?? throw new ArgumentNullException(nameof(images));
    public IEncoder Encoder { get; } = encoder ?? throw new ArgumentNullException(nameof(encoder));

    public string Name => $"{Images.Name} ({Encoder.Name} encoding)";
    public int Count => Images.Count;
    public IReadOnlyList<string> ClassNames => Images.ClassNames;
    public long[] StepShape => Encoder.StepShape(Images.SampleShape);
    public int? TimeSteps => null;

    public IEnumerable<(Tensor Input, Tensor Labels)> Batches(int batchSize, int timeSteps, bool shuffle = false, int seed = 0, Device? device = null)
    {
        foreach (var (x, y) in Images.Batches(batchSize, shuffle, seed, device))
        {
            Tensor input;
            using (var scope = torch.NewDisposeScope())
            {
                scope.Attach(x);   // the images die here; an encoded view keeps their storage alive
                input = Encoder.Encode(x, timeSteps).MoveToOuterDisposeScope();
            }
            yield return (input, y);
        }
    }

    public override string ToString() => Name;
}
