using Snn.Experiments;
using Snn.Training;

namespace Snn.Tests;

/// <summary>
/// The acceptance test on a tiny config: a 2 × 2 (K × B) sweep with 2 seeds, killed (SIGKILL) in the middle of
/// a run and again while a checkpoint is being written, then run again: `snn report` shows all 8 runs finished, and
/// every run ends bitwise as in an uninterrupted sweep. Dense layers: libtorch's CPU backward through a conv layer's
/// input is not bitwise repeatable from one process to the next (docs/experiments.md, "Reproducibility").
/// </summary>
public sealed class SweepKillTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("snn sweep kill ").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    private static readonly Dictionary<string, string?> Settings = new()
    {
        [ExperimentRunner.CheckpointIntervalVariable] = "0",   // a checkpoint after every batch
    };

    private static SnnProcess Sweep(string config, string results, int? stopInWrite = null) =>
        SnnProcess.Start(["sweep", config, "--results", results], Settings, stopInWrite);

    private static void RunToEnd(string config, string results)
    {
        using var snn = Sweep(config, results);
        var (code, output, error) = snn.WaitForExit(TimeSpan.FromMinutes(10));
        Assert.True(code == 0, $"exit {code}\n{output}\n{error}");
    }

    [Fact]
    public void A_killed_sweep_resumes_every_run_to_the_bitwise_same_result()
    {
        var config = Path.Combine(dir, "grid.json");
        File.WriteAllText(config, SweepTests.Grid(extra: "\"evalBatch\": 32").Replace("\"batch\": 32", "\"batch\": 8")   // 8 batches per epoch
            .Replace("4C3-P2-6C3-FC2", "FC16-FC8-FC2"));
        var sweep = Experiments.Sweep.Load(config);
        Assert.Equal(8, sweep.Runs.Count);
        var (reference, killed) = (Path.Combine(dir, "reference"), Path.Combine(dir, "killed"));
        RunToEnd(config, reference);

        string RunDir(string root, SweepRun r) => Path.Combine(root, r.Config.Experiment, r.Config.RunId);
        bool Done(SweepRun r) => File.Exists(Path.Combine(RunDir(killed, r), ExperimentRunner.SummaryFile));

        // 1. Killed in the middle of a run, after the first run finished.
        using (var snn = Sweep(config, killed))
        {
            var second = sweep.Runs[1];
            var checkpoint = Path.Combine(RunDir(killed, second), ExperimentRunner.CheckpointFile);
            Assert.True(snn.WaitUntil(() => File.Exists(checkpoint) && TrainingCheckpoint.Position(checkpoint).Batches > 0, TimeSpan.FromMinutes(5)), $"no mid-epoch checkpoint of the second run\n{snn.Error}");
            snn.Kill();
        }
        Assert.True(Done(sweep.Runs[0]));
        Assert.False(Done(sweep.Runs[1]));

        // 2. Killed while writing a checkpoint (the third write of the new process stops halfway: the test seam).
        using (var snn = Sweep(config, killed, stopInWrite: 3))
        {
            Assert.True(snn.WaitUntil(() => snn.StoppedInCheckpointWrite, TimeSpan.FromMinutes(5)), $"the sweep did not stop in a checkpoint write\n{snn.Error}");
            snn.Kill();
        }
        Assert.Single(sweep.Runs, r => Directory.Exists(RunDir(killed, r)) && Directory.GetFiles(RunDir(killed, r), "*.tmp").Length == 1);

        // 3. The same command again finishes the sweep.
        RunToEnd(config, killed);
        var (code, table, error) = ConsoleCapture.Snn("report", killed, "--sweep", config, "--out", Path.Combine(dir, "report"));
        Assert.True(code == 0, error);
        Assert.Contains("8 run(s): 8 finished, 0 failed, 0 incomplete, 0 missing", table);
        foreach (var run in sweep.Runs)
        {
            Assert.Equal(File.ReadAllBytes(Path.Combine(RunDir(reference, run), ExperimentRunner.ModelFile)), File.ReadAllBytes(Path.Combine(RunDir(killed, run), ExperimentRunner.ModelFile)));
            var (a, b) = (ExperimentRunner.ReadSummary(RunDir(reference, run))!, ExperimentRunner.ReadSummary(RunDir(killed, run))!);
            Assert.Equal(a with { TotalSeconds = 0, PeakStepBytes = null }, b with { TotalSeconds = 0, PeakStepBytes = null });
            Assert.Empty(Directory.GetFiles(RunDir(killed, run), "*.tmp"));
        }
    }
}
