namespace Snn.Training;

/// <summary>
/// What the trainer does with time: T steps per sample, cut into windows of K steps (truncation length).
/// K = T is plain BPTT. Gradients stop at window borders; neuron state carries on (detached), so the
/// forward dynamics never depend on K. A shorter last window is used when K does not divide T.
/// </summary>
public sealed record TrainingPlan
{
    /// <summary>T: simulated time steps per sample.</summary>
    public int TimeSteps { get; init; } = 8;

    /// <summary>K: truncation length; null means K = T (no truncation).</summary>
    public int? Truncation { get; init; }

    /// <summary>The effective K.</summary>
    public int WindowLength => Truncation ?? TimeSteps;

    public static TrainingPlan Bptt(int timeSteps) => new TrainingPlan { TimeSteps = timeSteps }.Validated();

    public static TrainingPlan Truncated(int timeSteps, int truncation) =>
        new TrainingPlan { TimeSteps = timeSteps, Truncation = truncation }.Validated();

    /// <summary>Windows (first step, length) covering 0 … T−1 in order.</summary>
    public IEnumerable<(int Start, int Length)> Windows()
    {
        for (var start = 0; start < TimeSteps; start += WindowLength)
            yield return (start, Math.Min(WindowLength, TimeSteps - start));
    }

    public int WindowCount => (TimeSteps + WindowLength - 1) / WindowLength;

    /// <summary>Throws with the offending knob's name and value when the plan is impossible.</summary>
    public TrainingPlan Validated()
    {
        if (TimeSteps < 1) throw new ArgumentOutOfRangeException(nameof(TimeSteps), TimeSteps, "Time steps T must be ≥ 1.");
        if (Truncation is { } k && (k < 1 || k > TimeSteps))
            throw new ArgumentOutOfRangeException(nameof(Truncation), k, $"Truncation length K must be in 1 … T = {TimeSteps}.");
        return this;
    }

    /// <summary>Mode name used in titles: "BPTT" or "TBPTT".</summary>
    public string Mode => WindowLength == TimeSteps ? "BPTT" : "TBPTT";

    public override string ToString() => $"{Mode} (T={TimeSteps}, K={WindowLength})";
}
