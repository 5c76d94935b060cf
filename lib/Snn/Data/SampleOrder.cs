namespace Snn.Data;

/// <summary>The order in which a dataset hands out its samples: file order, or a seeded shuffle (the same for every dataset type).</summary>
internal static class SampleOrder
{
    public static long[] Of(int count, bool shuffle, int seed)
    {
        var order = new long[count];
        for (var i = 0; i < count; i++) order[i] = i;
        if (shuffle) new Random(seed).Shuffle(order);
        return order;
    }

    public static void CheckBatchSize(int batchSize)
    {
        if (batchSize <= 0) throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, "Batch size must be ≥ 1.");
    }
}
