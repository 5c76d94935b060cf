using static TorchSharp.torch;

namespace Snn.Data.Events;

/// <summary>
/// Binning parameters. <see cref="Key"/> names them all, for cache folders.
/// Value = window µs (TimeWindow), events per frame (EventCount) or number of frames (TimeBins, EventBins).
/// </summary>
public sealed record Binning(BinningMode Mode, long Value, double Overlap = 0, bool IncludeIncomplete = false,
    int Downsample = 1, long RefractoryUs = 0, long DenoiseUs = 0, bool MergePolarity = false)
{
    public static Binning TimeWindow(long microseconds, long overlap = 0, bool includeIncomplete = false) =>
        new(BinningMode.TimeWindow, microseconds, overlap, includeIncomplete);
    public static Binning EventCount(int events, int overlap = 0, bool includeIncomplete = false) =>
        new(BinningMode.EventCount, events, overlap, includeIncomplete);
    public static Binning TimeBins(int bins, double overlap = 0) => new(BinningMode.TimeBins, bins, overlap);
    public static Binning EventBins(int bins, double overlap = 0) => new(BinningMode.EventBins, bins, overlap);

    public int Channels => MergePolarity ? 1 : 2;

    public string Key => FormattableString.Invariant(
        $"{Mode}-{Value}-ov{Overlap}-inc{(IncludeIncomplete ? 1 : 0)}-ds{Downsample}-rf{RefractoryUs}-dn{DenoiseUs}-c{Channels}");

    public void Validate()
    {
        if (Value < 1) throw new ArgumentOutOfRangeException(nameof(Value), Value, $"{Mode}: the window/count/bins value must be ≥ 1.");
        if (Downsample < 1) throw new ArgumentOutOfRangeException(nameof(Downsample), Downsample, "Spatial downsampling factor must be ≥ 1.");
        if (RefractoryUs < 0 || DenoiseUs < 0) throw new ArgumentOutOfRangeException(nameof(RefractoryUs), "Refractory and denoise times must be ≥ 0 µs.");
        switch (Mode)
        {
            case BinningMode.TimeWindow or BinningMode.EventCount when Overlap < 0 || Overlap >= Value:
                throw new ArgumentOutOfRangeException(nameof(Overlap), Overlap, $"{Mode}: overlap must be in [0, {Value}) so that the stride is positive.");
            case BinningMode.TimeBins or BinningMode.EventBins when Overlap is < 0 or >= 1:
                throw new ArgumentOutOfRangeException(nameof(Overlap), Overlap, $"{Mode}: overlap is a fraction of a bin in [0, 1).");
        }
    }

    /// <summary>Filters, downsamples and bins a stream into frames [T, C, H, W] (float32 event counts).</summary>
    public Tensor ToFrames(EventStream events) => EventBinning.ToFrames(events, this);
}
