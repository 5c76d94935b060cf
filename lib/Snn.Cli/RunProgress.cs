using Snn.Experiments;
using Snn.Training;

namespace Snn.Cli;

/// <summary>One run of <see cref="ExperimentRunner"/> on the terminal (`snn train`, `snn sweep`): the header line and the progress bar.</summary>
internal static class RunProgress
{
    /// <summary>
    /// Runs (or reports) one config with the progress bar; null when training diverged (the message, naming
    /// <paramref name="lrHint"/> as the knob to lower, is printed).
    /// </summary>
    public static ExperimentResult? Run(ExperimentRunner runner, string command = "snn train", string lrHint = "optimizer.lr in the config")
    {
        var c = runner.Config;
        if (ExperimentRunner.ReadSummary(runner.RunDirectory) is null)
            Console.WriteLine($"{c.Experiment}/{c.RunId}: {c.Network}, {c.Plan}, {c.Dataset} → {runner.RunDirectory}");
        try { return runner.Run(Report); }
        catch (TrainingDivergedException e)
        {
            CliSupport.ClearProgressLine();
            Console.Error.WriteLine(
                $"{command}: training diverged: {e.Message}; lower {lrHint} (the last checkpoint and failure.json are in {runner.RunDirectory}).");
            return null;
        }
    }

    /// <summary>A one-line bar redrawn in place (a new line per finished epoch).</summary>
    private static DateTime lastLogLine = DateTime.MinValue;

    internal static void Report(TrainingProgress p)
    {
        if (p.Kind == ProgressKind.Epoch)
        {
            CliSupport.ClearProgressLine();
            Console.WriteLine(p);
            return;
        }
        // In a log file (a batch job): a plain line a minute instead of a bar redrawn with control codes.
        if (Console.IsErrorRedirected)
        {
            if (DateTime.UtcNow - lastLogLine < TimeSpan.FromMinutes(1)) return;
            lastLogLine = DateTime.UtcNow;
            Console.Error.WriteLine(p);
            return;
        }
        const int width = 30;
        var filled = (int)Math.Round(width * (double)p.Batch / p.Batches);
        var eta = p.Batch > 0 ? TimeSpan.FromSeconds(p.Elapsed.TotalSeconds * (p.Batches - p.Batch) / p.Batch) : TimeSpan.Zero;
        var bar = new string('#', filled) + new string('.', width - filled);
        Console.Error.Write($"\repoch {p.Epoch}/{p.Epochs} [{bar}] {p.Batch}/{p.Batches} loss {p.Loss:F4} acc {p.Accuracy:P1} eta {eta:mm\\:ss}\u001b[K");
    }
}
