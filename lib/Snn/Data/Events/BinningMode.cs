namespace Snn.Data.Events;

/// <summary>How a stream is cut into frames (the four modes of Tonic's ToFrame).</summary>
public enum BinningMode
{
    /// <summary>Windows of a fixed duration (µs), stride = window − overlap (µs).</summary>
    TimeWindow,
    /// <summary>Windows of a fixed number of events, stride = count − overlap (events).</summary>
    EventCount,
    /// <summary>A fixed number of windows spanning the recording; overlap is a fraction in [0, 1).</summary>
    TimeBins,
    /// <summary>A fixed number of windows holding equal event counts; overlap is a fraction in [0, 1).</summary>
    EventBins,
}
