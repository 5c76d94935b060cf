using System.Globalization;

namespace Snn.Experiments;

/// <summary>
/// Which shard of a sweep this process runs (<see cref="Sweep.Shard"/>): "i/n" as given, or from the variables of a
/// Slurm array job, so that an array job's tasks split the runs with no coordination. Bad values throw
/// <see cref="FormatException"/> naming --shard or the variable.
/// </summary>
public static class SweepShard
{
    public const string SlurmTaskId = "SLURM_ARRAY_TASK_ID";
    public const string SlurmTaskCount = "SLURM_ARRAY_TASK_COUNT";
    public const string SlurmTaskMin = "SLURM_ARRAY_TASK_MIN";
    public const string SlurmTaskStep = "SLURM_ARRAY_TASK_STEP";

    /// <summary>Shard (index, count) from "i/n", or from Slurm's array variables, or (0, 1).</summary>
    public static (int Index, int Count, string Source) Resolve(string? text, Func<string, string?> environment)
    {
        if (text is not null)
        {
            var parts = text.Split('/');
            if (parts.Length == 2 && int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var i)
                && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n >= 1 && i < n)
                return (i, n, "--shard");
            throw new FormatException($"--shard must be i/n with 0 ≤ i < n (e.g. 0/4); got '{text}'.");
        }
        if (environment(SlurmTaskId) is not { Length: > 0 } id) return (0, 1, "all runs");
        int Read(string name, string? value) => int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var v) ? v
            : throw new FormatException($"{name}='{value}' is not a non-negative integer (set by Slurm for array jobs); pass --shard i/n instead.");
        var task = Read(SlurmTaskId, id);
        var count = Read(SlurmTaskCount, environment(SlurmTaskCount)
            ?? throw new FormatException($"{SlurmTaskId} is set but {SlurmTaskCount} is not; pass --shard i/n."));
        var min = environment(SlurmTaskMin) is { Length: > 0 } m ? Read(SlurmTaskMin, m) : 0;
        var step = environment(SlurmTaskStep) is { Length: > 0 } st ? Math.Max(Read(SlurmTaskStep, st), 1) : 1;
        // --array=0-10:2 runs tasks 0, 2 … 10: the shard is the task's position in that list.
        var index = (task - min) % step == 0 ? (task - min) / step : -1;
        if (count < 1 || index < 0 || index >= count)
            throw new FormatException($"Slurm array task {task} (min {min}, step {step}, count {count}) gives no shard in 0 … {count - 1}; "
                + $"submit with --array=0-{Math.Max(count - 1, 0)} or pass --shard i/n.");
        return (index, count, $"Slurm array task {task}");
    }
}
