namespace Snn.Measurement;

/// <summary>How <see cref="MemoryMeter"/> measures.</summary>
public enum MemoryMethod
{
    /// <summary>Exact: the live bytes of every malloc'ed block, counted by libsnn_memcount.so loaded with LD_PRELOAD.</summary>
    AllocatorCounter,
    /// <summary>
    /// Linux: VmHWM − VmRSS after malloc_trim and a clear_refs reset of the high-water mark (page-granular; includes the .NET GC
    /// heap and allocator slack).
    /// </summary>
    ResidentHighWater,
    /// <summary>Neither is available (not Linux, or /proc is not writable).</summary>
    Unavailable,
}
