using static TorchSharp.torch;

namespace Snn.Data;

/// <summary>Conveniences over any <see cref="IBatchSource"/>.</summary>
public static class BatchSources
{
    /// <summary>The first batch in source order (input [T, N, …], labels [N]): a fixed batch for probes and measurements; owned by the caller.</summary>
    public static (Tensor Input, Tensor Labels) FirstBatch(this IBatchSource source, int batchSize, int timeSteps)
    {
        ArgumentNullException.ThrowIfNull(source);
        return source.Batches(batchSize, timeSteps).First();
    }
}
