using static TorchSharp.torch;

namespace Snn.Data;

/// <summary>
/// Where a trainer, an evaluation, a gradient probe or a benchmark gets its batches: labelled inputs already laid
/// out in time, <c>[T, N, …StepShape]</c>. Frame datasets come through an encoder (<see cref="EncodedImages"/>),
/// event datasets natively (<see cref="EventDataset"/>), benchmark workloads as a fixed synthetic batch.
/// </summary>
public interface IBatchSource
{
    string Name { get; }

    /// <summary>Samples per pass.</summary>
    int Count { get; }

    IReadOnlyList<string> ClassNames { get; }

    /// <summary>The per-step input shape the network sees (without time and batch), e.g. [1, 28, 28].</summary>
    long[] StepShape { get; }

    /// <summary>The number of steps the data itself fixes (binned event frames), or null when it can give any T.</summary>
    int? TimeSteps { get; }

    /// <summary>
    /// Mini-batches (input [T, N, …], labels [N]) in seeded random order, or in source order without shuffling; the
    /// last may be smaller. The tensors belong to no dispose scope: attach them to one (scope.Attach) or dispose them.
    /// </summary>
    IEnumerable<(Tensor Input, Tensor Labels)> Batches(int batchSize, int timeSteps, bool shuffle = false, int seed = 0, Device? device = null);

    int BatchCount(int batchSize) => (Count + batchSize - 1) / batchSize;
}
