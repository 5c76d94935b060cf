namespace Snn.Data.Events;

/// <summary>
/// Settings of the event-camera emulator. Defaults mimic the N-MNIST recording geometry
/// (Orchard et al. 2015: a 28×28 image seen by a 34×34 sensor region that makes three ~100 ms
/// saccades along a triangle); they are this kit's choices, not measured sensor parameters.
/// </summary>
public sealed record EmulatorOptions
{
    public int SensorSize { get; init; } = 34;
    /// <summary>Log-intensity change that triggers one event (contrast threshold).</summary>
    public double Threshold { get; init; } = 0.25;
    /// <summary>Per-pixel threshold mismatch (standard deviation, as a fraction of the threshold).</summary>
    public double ThresholdMismatch { get; init; } = 0.05;
    /// <summary>Added to intensities in [0, 1] before the log, so black pixels do not produce infinite contrast.</summary>
    public double LogEpsilon { get; init; } = 0.1;
    /// <summary>Side of the saccade triangle in pixels.</summary>
    public double SaccadeAmplitude { get; init; } = 4;
    public double SaccadeMicroseconds { get; init; } = 100_000;
    /// <summary>Simulation steps per saccade; crossing times are interpolated between steps.</summary>
    public int StepsPerSaccade { get; init; } = 50;
    public int Saccades { get; init; } = 3;

    public EmulatorOptions Validated()
    {
        if (SensorSize is < 1 or > 239)
            throw new ArgumentOutOfRangeException(nameof(SensorSize), SensorSize, "Sensor size must be 1..239 (N-MNIST files hold y < 240).");
        if (!(Threshold > 0)) throw new ArgumentOutOfRangeException(nameof(Threshold), Threshold, "Contrast threshold must be > 0.");
        if (ThresholdMismatch is < 0 or >= 0.5)
            throw new ArgumentOutOfRangeException(nameof(ThresholdMismatch), ThresholdMismatch, "Mismatch must be in [0, 0.5).");
        if (!(LogEpsilon > 0)) throw new ArgumentOutOfRangeException(nameof(LogEpsilon), LogEpsilon, "LogEpsilon must be > 0.");
        if (StepsPerSaccade < 1 || Saccades < 1 || !(SaccadeMicroseconds >= StepsPerSaccade))
            throw new ArgumentOutOfRangeException(nameof(StepsPerSaccade), "Need ≥ 1 saccade, ≥ 1 step per saccade and ≥ 1 µs per step.");
        return this;
    }
}
