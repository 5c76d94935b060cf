using Snn.Experiments;
using Snn.Networks;
using Snn.Neurons;
using Snn.Plans;
using Snn.Reports;
using Snn.Studies;
using Snn.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Snn.Tests;

/// <summary>
/// evalTrain / TrainerOptions.EvaluateTrain: after the last epoch the training set is evaluated as the test set is (eval
/// mode, full T, in order); recorded in the history, summary.json and runs.csv, also by a resumed run. evalEvery /
/// TrainerOptions.EvaluateEvery: the test set every N-th and the last epoch, with training unchanged.
/// </summary>
public sealed class CleanTrainAccuracyTests : IDisposable
{
    private readonly string root = Directory.CreateTempSubdirectory("snn-clean-").FullName;

    public void Dispose() => Directory.Delete(root, recursive: true);

    private sealed class Interrupted : Exception;

    [Fact]
    public void The_trained_network_evaluated_on_the_training_set()
    {
        torch.manual_seed(1);
        using var train = TrainerTests.Bars(256, seed: 2);
        using var test = TrainerTests.Bars(64, seed: 3);
        var net = NetworkSpec.Build("4C3-P2-D0.3-FC2", [1, 8, 8]);   // dropout: on while training, off in evaluation
        var options = new TrainerOptions { BatchSize = 32, LearningRate = 1e-2, Epochs = 1, Seed = 5, MeasureMemory = false, EvaluateTrain = true };
        var history = new Trainer(net, TrainingPlan.Truncated(4, 2), options).Fit(train.Encoded(), test.Encoded());
        var clean = history.CleanTrain!;
        Assert.InRange(clean.Accuracy, 0, 1);
        Assert.Equal(256, clean.Samples);
        // The running mean covers the first batches of untrained weights: the final weights do better.
        var running = history.Last!.TrainAccuracy;
        TestContext.Current.TestOutputHelper?.WriteLine(
            $"clean train {clean.Accuracy:P2} (loss {clean.Loss:F4}), running mean {running:P2}, test {history.Last.TestAccuracy:P2}");
        Assert.True(Math.Abs(clean.Accuracy - running) > 0.01, $"clean {clean.Accuracy:P2} vs running mean {running:P2}");

        // Independently: the network in eval mode over all T steps of every training image at once, readout averaged.
        using var scope = torch.NewDisposeScope();
        net.eval();
        net.ResetState();
        Tensor readout;
        using (torch.no_grad()) readout = net.forward(train.Images.unsqueeze(0).expand(4, -1, -1, -1, -1)).mean([0]);
        net.ResetState();
        var accuracy = readout.argmax(1).eq(train.Labels).to_type(ScalarType.Float64).mean().item<double>();
        Assert.Equal(accuracy, clean.Accuracy);
        Assert.Equal(nn.functional.cross_entropy(readout, train.Labels).item<float>(), clean.Loss, 5);
        Assert.Null(new Trainer(NetworkSpec.Build("4C3-P2-FC2", [1, 8, 8]), TrainingPlan.Bptt(4), options with { EvaluateTrain = false })
            .Fit(train.Encoded()).CleanTrain);
    }

    [Fact]
    public void Evaluating_every_third_epoch_skips_the_others_and_changes_no_training_number()
    {
        using var train = TrainerTests.Bars(128, seed: 2);
        using var test = TrainerTests.Bars(64, seed: 3);
        TrainingHistory Fit(int every)
        {
            torch.manual_seed(1);
            var options = new TrainerOptions { BatchSize = 32, LearningRate = 1e-2, Epochs = 5, Seed = 5, MeasureMemory = false, EvaluateEvery = every };
            return new Trainer(NetworkSpec.Build("4C3-P2-FC2", [1, 8, 8]), TrainingPlan.Truncated(4, 2), options).Fit(train.Encoded(), test.Encoded());
        }
        var all = Fit(1);
        var some = Fit(3);
        Assert.Equal([true, true, true, true, true], all.Epochs.Select(e => e.TestAccuracy is not null));
        Assert.Equal([false, false, true, false, true], some.Epochs.Select(e => e.TestAccuracy is not null));   // 3 and the last
        Assert.Equal(all.Batches.Select(b => b.Loss), some.Batches.Select(b => b.Loss));
        Assert.Equal(all.Epochs[2].TestAccuracy, some.Epochs[2].TestAccuracy);
        Assert.Equal(all.Last!.TestAccuracy, some.Last!.TestAccuracy);

        var config = ExperimentConfig.Parse(ExperimentConfigTests.Synthetic("\"evalEvery\": 2"));
        Assert.Equal(2, config.TrainerOptions().EvaluateEvery);
        Assert.Contains("\"evalEvery\": 2", config.CanonicalJson);
        Assert.Equal(ExperimentConfig.Parse(ExperimentConfigTests.Synthetic()).RunId, ExperimentConfig.Parse(ExperimentConfigTests.Synthetic("\"evalEvery\": 1")).RunId);
        Assert.Equal("evalEvery", Assert.Throws<ExperimentConfigException>(() => ExperimentConfig.Parse(ExperimentConfigTests.Synthetic("\"evalEvery\": 0"))).Key);
    }

    [Fact]
    public void A_run_resumed_after_its_last_epoch_still_evaluates_the_training_set()
    {
        using var train = TrainerTests.Bars(128, seed: 2);
        using var test = TrainerTests.Bars(32, seed: 3);
        var path = Path.Combine(root, "run.ckpt");
        var plan = TrainingPlan.TruncatedLocal(4, 2, 1);
        var options = new TrainerOptions { Epochs = 2, BatchSize = 32, LearningRate = 5e-3, Seed = 9, MeasureMemory = false, CheckpointPath = path };
        torch.manual_seed(1);
        var first = new Trainer(NetworkSpec.Build("4C3-P2-6C3-FC2", [1, 8, 8]), plan, options);
        Assert.Throws<Interrupted>(() => first.Fit(train.Encoded(), test.Encoded(),
            p => { if (p.Kind == ProgressKind.Epoch && p.Epoch == 2) throw new Interrupted(); }));
        var expected = first.Evaluate(train.Encoded());

        torch.manual_seed(77);   // other initial weights: the checkpoint's must be the ones evaluated
        var history = new Trainer(NetworkSpec.Build("4C3-P2-6C3-FC2", [1, 8, 8]), plan, options with { Resume = true, EvaluateTrain = true })
            .Fit(train.Encoded(), test.Encoded());
        Assert.Equal(2, history.Epochs.Count);
        Assert.Equal((expected.Accuracy, expected.Loss), (history.CleanTrain!.Accuracy, history.CleanTrain.Loss));
    }

    [Fact]
    public void Runs_record_it_in_the_summary_and_runs_csv_also_after_a_kill()
    {
        var config = ExperimentConfig.Parse(ExperimentConfigTests.Synthetic("\"evalTrain\": true"));
        var whole = new ExperimentRunner(config, Path.Combine(root, "a")).Run().Summary;
        Assert.InRange(whole.CleanTrainAccuracy!.Value, 0, 1);
        Assert.Equal(whole.CleanTrainAccuracy.Value - whole.FinalTestAccuracy!.Value, whole.CleanTrainTestGap!.Value, 12);
        Assert.NotNull(whole.CleanTrainLoss);

        // Stopped after the last epoch's checkpoint, before the summary: the resumed run still evaluates the training set.
        var second = new ExperimentRunner(config, Path.Combine(root, "b"));
        Assert.Throws<Interrupted>(() => second.Run(p => { if (p.Kind == ProgressKind.Epoch && p.Epoch == 3) throw new Interrupted(); }));
        Assert.False(File.Exists(Path.Combine(second.RunDirectory, ExperimentRunner.SummaryFile)));
        var resumed = new ExperimentRunner(config, Path.Combine(root, "b")).Run().Summary;
        Assert.Equal((whole.CleanTrainAccuracy, whole.CleanTrainLoss, whole.CleanTrainTestGap),
            (resumed.CleanTrainAccuracy, resumed.CleanTrainLoss, resumed.CleanTrainTestGap));

        // Without the key: nothing evaluated, and summary.json carries no clean-train fields (as before the key existed).
        var plain = new ExperimentRunner(ExperimentConfig.Parse(ExperimentConfigTests.Synthetic()), Path.Combine(root, "a")).Run();
        Assert.Null(plain.Summary.CleanTrainAccuracy);
        Assert.DoesNotContain("cleanTrain", File.ReadAllText(Path.Combine(plain.Directory, ExperimentRunner.SummaryFile)));
        Assert.Contains("\"cleanTrainAccuracy\"", File.ReadAllText(Path.Combine(root, "a", "unit", config.RunId, ExperimentRunner.SummaryFile)));

        var csv = ReportTable.Build(ResultsScan.Of(Path.Combine(root, "a")).Runs).RunsCsv();
        var lines = csv.TrimEnd('\n').Split('\n');
        var header = lines[0].Split(',');
        var rows = lines[1..].Select(l => l.Split(',')).ToDictionary(r => r[Array.IndexOf(header, "run_id")]);
        string Cell(string runId, string column) => rows[runId][Array.IndexOf(header, column)];
        double Number(string runId, string column) => double.Parse(Cell(runId, column), System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(whole.CleanTrainAccuracy.Value, Number(config.RunId, "clean_train_accuracy"));
        Assert.Equal(whole.CleanTrainTestGap.Value, Number(config.RunId, "clean_train_test_gap"));
        Assert.Equal("true", Cell(config.RunId, "evalTrain"));
        Assert.Equal("", Cell(plain.Summary.RunId, "clean_train_accuracy"));
        Assert.Equal("", Cell(plain.Summary.RunId, "evalTrain"));
        // The study reader takes the new columns (older files without them: StudyResultsTests). evalTrain changes no
        // training, so the two runs are one plan and seed of one setting there: the first is kept.
        var study = StudyResults.Parse(csv);
        Assert.Single(study.Runs);
        Assert.Contains(study.Warnings, w => w.Contains("kept the first", StringComparison.Ordinal));
    }
}
