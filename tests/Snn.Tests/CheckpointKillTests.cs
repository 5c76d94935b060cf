using Snn.Experiments;
using Snn.Training;

namespace Snn.Tests;

/// <summary>
/// `snn train CONFIG` killed with SIGKILL (what kill -9 or a lost machine does: no handler runs, nothing is flushed)
/// after a mid-epoch checkpoint, or in the middle of writing one, and run again, ends bitwise as a run that was never
/// killed: model.bin, the epoch metrics but the wall seconds and measured memory, and the final checkpoint's state.
/// Poisson encoding, dropout and a truncated-local plan: the encoder's draws and the dropout masks must also resume.
/// </summary>
public sealed class CheckpointKillTests(CheckpointKillTests.Reference reference) : IClassFixture<CheckpointKillTests.Reference>, IDisposable
{
    private static readonly string Json = ExperimentConfigTests.Synthetic(
        dataset: "\"name\": \"synthetic\", \"trainSubset\": 128, \"testSubset\": 32, \"encoding\": \"poisson\"")
        .Replace("4C3-P2-6C3-FC2", "4C3-BN-P2-D0.2-6C3-FC2").Replace("\"batch\": 32", "\"batch\": 8").Replace("\"epochs\": 3", "\"epochs\": 2");   // 16 batches per epoch

    internal static readonly ExperimentConfig Config = ExperimentConfig.Parse(Json);

    private readonly string dir = Directory.CreateTempSubdirectory("snn kill ").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    /// <summary>The uninterrupted run (as a process too, so both sides run under the same settings), once for the class.</summary>
    public sealed class Reference : IDisposable
    {
        public Reference()
        {
            var results = Path.Combine(Root, "results");
            Result = RunToEnd(WriteConfig(Root), results, interval: "3600");
        }

        public string Root { get; } = Directory.CreateTempSubdirectory("snn kill reference ").FullName;
        public ExperimentResult Result { get; }

        public void Dispose() => Directory.Delete(Root, recursive: true);
    }

    private static string WriteConfig(string folder)
    {
        var path = Path.Combine(folder, "bars.json");
        File.WriteAllText(path, Json);
        return path;
    }

    private static Dictionary<string, string?> Environment(string interval) => new()
    {
        [ExperimentRunner.CheckpointIntervalVariable] = interval,
    };

    private static SnnProcess Train(string config, string results, string interval, int? stopInWrite = null) =>
        SnnProcess.Start(["train", config, "--results", results], Environment(interval), stopInWrite);

    private static ExperimentResult RunToEnd(string config, string results, string interval)
    {
        using var snn = Train(config, results, interval);
        var (code, output, error) = snn.WaitForExit(TimeSpan.FromMinutes(5));
        Assert.True(code == 0, $"exit {code}\n{output}\n{error}");
        var runDirectory = Path.Combine(results, Config.Experiment, Config.RunId);
        return new ExperimentResult(runDirectory, ExperimentRunner.ReadSummary(runDirectory)!, AlreadyDone: false);
    }

    [Fact]
    public void A_run_killed_after_a_mid_epoch_checkpoint_resumes_to_the_bitwise_same_result()
    {
        var (config, results) = (WriteConfig(dir), Path.Combine(dir, "results"));
        var run = Path.Combine(results, Config.Experiment, Config.RunId);
        var checkpoint = Path.Combine(run, ExperimentRunner.CheckpointFile);
        using (var snn = Train(config, results, interval: "0"))   // a checkpoint after every batch
        {
            Assert.True(snn.WaitUntil(() => File.Exists(checkpoint), TimeSpan.FromMinutes(2)), $"the run ended before its first checkpoint\n{snn.Error}");
            snn.Kill();
        }
        Assert.False(File.Exists(Path.Combine(run, ExperimentRunner.SummaryFile)));
        var (finished, batches) = TrainingCheckpoint.Position(checkpoint);
        Assert.True(batches > 0, $"killed at the end of epoch {finished}, not within an epoch");

        var resumed = RunToEnd(config, results, interval: "0");
        ExperimentRunnerTests.AssertSameRun(Config, reference.Result, resumed);
        Assert.Empty(Directory.GetFiles(run, "*.tmp"));
        Assert.Single(File.ReadAllLines(Path.Combine(run, ExperimentRunner.EnvironmentFile)));   // the killed session wrote none
    }

    [Fact]
    public void A_run_killed_while_writing_a_checkpoint_resumes_from_the_previous_one_to_the_bitwise_same_result()
    {
        var (config, results) = (WriteConfig(dir), Path.Combine(dir, "results"));
        var run = Path.Combine(results, Config.Experiment, Config.RunId);
        var checkpoint = Path.Combine(run, ExperimentRunner.CheckpointFile);
        var temp = checkpoint + ".tmp";
        // Writes 1 and 2 (after batches 1 and 2) complete; write 3 stops halfway (the test seam) and is killed there.
        using (var snn = Train(config, results, interval: "0", stopInWrite: 3))
        {
            Assert.True(snn.WaitUntil(() => snn.StoppedInCheckpointWrite, TimeSpan.FromMinutes(2)), $"the run ended without stopping in a write\n{snn.Error}");
            snn.Kill();
        }
        Assert.True(File.Exists(temp));
        Assert.InRange(new FileInfo(temp).Length, 1, new FileInfo(checkpoint).Length - 1);   // the weights, not yet the optimizer states
        Assert.Equal((0, 2), TrainingCheckpoint.Position(checkpoint));

        var resumed = RunToEnd(config, results, interval: "0");
        ExperimentRunnerTests.AssertSameRun(Config, reference.Result, resumed);
        Assert.Empty(Directory.GetFiles(run, "*.tmp"));
    }

    [Fact]
    public void A_bad_checkpoint_interval_exits_2_naming_the_variable_and_writes_nothing()
    {
        var saved = System.Environment.GetEnvironmentVariable(ExperimentRunner.CheckpointIntervalVariable);
        try
        {
            System.Environment.SetEnvironmentVariable(ExperimentRunner.CheckpointIntervalVariable, "soon");
            var results = Path.Combine(dir, "results");
            var (code, _, error) = ConsoleCapture.Snn("train", WriteConfig(dir), "--results", results);
            Assert.Equal(2, code);
            Assert.Contains("SNN_CHECKPOINT_INTERVAL='soon'", error);
            Assert.False(Directory.Exists(results));
        }
        finally
        {
            System.Environment.SetEnvironmentVariable(ExperimentRunner.CheckpointIntervalVariable, saved);
        }
    }
}
