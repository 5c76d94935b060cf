using Snn.Data;
using Snn.Encoders;
using static TorchSharp.torch;

namespace Snn.Experiments;

/// <summary>
/// A frame dataset through a stochastic encoder whose draws restart from (run seed, batch-order seed) on every pass:
/// epoch e of a run always sees the same spike trains, so a resumed run encodes exactly as an uninterrupted one
/// (an encoder's own generator is not in the checkpoint), and every evaluation sees the same test encoding.
/// </summary>
internal sealed class EpochSeededEncoding(ImageDataset images, Func<ulong, IEncoder> encoder, int runSeed) : IBatchSource
{
    public string Name => $"{images.Name} ({encoder(0).Name} encoding, reseeded per epoch)";
    public int Count => images.Count;
    public IReadOnlyList<string> ClassNames => images.ClassNames;
    public long[] StepShape => encoder(0).StepShape(images.SampleShape);
    public int? TimeSteps => null;

    public IEnumerable<(Tensor Input, Tensor Labels)> Batches(int batchSize, int timeSteps, bool shuffle = false, int seed = 0, Device? device = null) =>
        new EncodedImages(images, encoder(unchecked((ulong)(uint)runSeed << 32 | (uint)seed))).Batches(batchSize, timeSteps, shuffle, seed, device);
}
