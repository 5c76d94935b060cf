namespace Snn.Measurement;

/// <summary>Both figures of one measured piece of work; null where that method is unavailable.</summary>
public readonly record struct MemoryReading(long? AllocatorPeakBytes, long? ResidentPeakBytes)
{
    /// <summary>The exact figure when the counter is loaded, otherwise the resident one.</summary>
    public long? Best => AllocatorPeakBytes ?? ResidentPeakBytes;
}
