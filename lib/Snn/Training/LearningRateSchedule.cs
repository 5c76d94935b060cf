namespace Snn.Training;

/// <summary>
/// The learning rate at each optimizer step: the base rate, or cosine annealing from it to zero over all optimizer
/// steps of a run (a truncated plan with per-window updates takes ⌈T/K⌉ steps per batch). Outside a run
/// (<see cref="TotalSteps"/> = 0) it is the base rate.
/// </summary>
public sealed class LearningRateSchedule(double baseRate, bool cosine)
{
    public double BaseRate { get; } = baseRate;
    public bool Cosine { get; } = cosine;

    /// <summary>Optimizer steps taken so far in this run (every block steps once per update).</summary>
    public long Step { get; private set; }

    /// <summary>Optimizer steps of the whole run; 0 outside a run.</summary>
    public long TotalSteps { get; private set; }

    public double Current => Cosine && TotalSteps > 0
        ? BaseRate * 0.5 * (1 + Math.Cos(Math.PI * Math.Min(Step, TotalSteps) / TotalSteps))
        : BaseRate;

    /// <summary>Starts a run of <paramref name="totalSteps"/> optimizer steps, at step <paramref name="step"/> (0, or where a checkpoint left off).</summary>
    public void Begin(long totalSteps, long step = 0)
    {
        if (totalSteps < 1) throw new ArgumentOutOfRangeException(nameof(totalSteps), totalSteps, "A run takes at least one optimizer step.");
        TotalSteps = totalSteps;
        Step = step;
    }

    public void Advance() => Step++;

    /// <summary>Ends the run: later steps (benchmarks, probes) use the base rate.</summary>
    public void End() => TotalSteps = 0;
}
