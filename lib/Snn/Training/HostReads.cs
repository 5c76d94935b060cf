using TorchSharp;
using static TorchSharp.torch;

namespace Snn.Training;

/// <summary>
/// The one way the training and evaluation loops read tensors back to the host (on a GPU, a sync that stalls the
/// queue): a batch packs its statistics into one vector and reads it once, however many windows and blocks it has.
/// Counts the reads of the calling thread, so that a test can hold the loops to that.
/// </summary>
internal static class HostReads
{
    [ThreadStatic] private static long count;

    /// <summary>Reads made on this thread so far.</summary>
    public static long Count => count;

    /// <summary>The values of <paramref name="values"/> (any shape, any device) as float64 on the host, row-major.</summary>
    public static double[] ToHost(Tensor values)
    {
        count++;
        using var scope = torch.NewDisposeScope();
        return values.to_type(ScalarType.Float64).cpu().contiguous().data<double>().ToArray();
    }
}
