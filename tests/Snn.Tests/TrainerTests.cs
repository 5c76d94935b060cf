using Snn.Neurons;
using Snn.Data.Events;
using Snn.Data;
using Snn.Networks;
using Snn.Training;
using TorchSharp;
using static TorchSharp.torch;
using Snn.Plans;

namespace Snn.Tests;

public sealed class TrainerTests
{
    /// <summary>Two classes of 8×8 noisy images: a bright bar in the left or the right half.</summary>
    internal static ImageDataset Bars(int count, int seed) => SyntheticBars.Generate(count, seed, "bars");

    [Fact]
    public void Csnn_learns_a_toy_task_with_falling_loss()
    {
        torch.manual_seed(1);
        using var train = Bars(512, seed: 2);
        using var test = Bars(256, seed: 3);
        var net = NetworkSpec.Build("4C3-P2-FC2", [1, 8, 8]);
        var trainer = new Trainer(net, TrainingPlan.Bptt(4), new TrainerOptions { BatchSize = 32, LearningRate = 1e-2, Epochs = 2, Seed = 5 });
        var reports = new List<TrainingProgress>();
        var history = trainer.Fit(train.Encoded(), test.Encoded(), reports.Add);

        Assert.Equal(2 * 16, history.Batches.Count);
        var first = history.Batches.Take(4).Average(b => b.Loss);
        var last = history.Batches.TakeLast(4).Average(b => b.Loss);
        Assert.True(last < 0.5 * first, $"loss did not fall enough: first batches {first:F3}, last batches {last:F3}");
        Assert.True(history.Last!.TestAccuracy > 0.9, $"test accuracy {history.Last.TestAccuracy:P1} (chance 50 %)");
        Assert.Contains(reports, r => r.Kind == ProgressKind.Epoch && r.Epoch == 2);
    }

    [Fact]
    public void Training_does_not_accumulate_live_tensors_across_epochs()
    {
        torch.manual_seed(1);
        using var train = Bars(96, seed: 2);
        using var test = Bars(40, seed: 3);
        var trainer = new Trainer(NetworkSpec.Build("4C3-P2-FC2", [1, 8, 8]), TrainingPlan.Truncated(6, 4),
            new TrainerOptions { BatchSize = 16, Epochs = 1 });
        AssertNoLiveTensorGrowth(trainer, train, test);
    }

    /// <summary>Three fits of one epoch: after the first (which creates the optimizer state) no live tensor may be added.</summary>
    internal static void AssertNoLiveTensorGrowth(Trainer trainer, ImageDataset train, ImageDataset test)
    {
        var stats = DisposeScopeManager.Statistics;
        trainer.Fit(train.Encoded(), test.Encoded());
        var afterFirst = stats.ThreadTotalLiveCount;
        trainer.Fit(train.Encoded(), test.Encoded());
        trainer.Fit(train.Encoded(), test.Encoded());
        Assert.Equal(afterFirst, stats.ThreadTotalLiveCount);
    }

    [Fact]
    public void Truncation_does_not_change_forward_dynamics()
    {
        torch.manual_seed(7);
        using var data = Bars(64, seed: 8);
        var net = NetworkSpec.Build("4C3-P2-FC2", [1, 8, 8]);
        var reference = new Trainer(net, TrainingPlan.Bptt(6)).Evaluate(data.Encoded());
        using var scope = torch.NewDisposeScope();
        var input = data.Images.unsqueeze(0).expand(6, -1, -1, -1, -1);
        net.ResetState();
        var whole = net.forward(input).detach();
        net.ResetState();
        var windows = TrainingPlan.Truncated(6, 4).Windows().Select(w => { var o = net.forward(input.narrow(0, w.Start, w.Length)); net.DetachState(); return o.detach(); }).ToArray();
        Assert.True(torch.cat(windows).eq(whole).all().item<bool>());
        Assert.Equal(new[] { (0, 4), (4, 2) }, TrainingPlan.Truncated(6, 4).Windows());
        // Evaluate is the same full-T forward: its loss and accuracy are those of the readout computed here.
        Assert.Equal(nn.functional.cross_entropy(whole.mean([0]), data.Labels).item<float>(), reference.Loss, 5);
        Assert.Equal(whole.mean([0]).argmax(1).eq(data.Labels).to_type(ScalarType.Float64).mean().item<double>(), reference.Accuracy);
    }

    [Fact]
    public void Event_frames_train_natively_through_the_same_trainer_and_a_wrong_frame_shape_or_T_is_rejected()
    {
        torch.manual_seed(2);
        using var scope = torch.NewDisposeScope();
        // 3 time bins × 2 polarity channels; the class is which polarity fires. Trained natively as [T, N, C, H, W].
        var labels = torch.randint(0, 2, [64]);
        var frames = (torch.rand([64, 3, 2, 6, 6]) < 0.4).to_type(ScalarType.Float32);
        frames.select(2, 0).mul_(labels.eq(0).view(64, 1, 1, 1).to_type(ScalarType.Float32));
        frames.select(2, 1).mul_(labels.eq(1).view(64, 1, 1, 1).to_type(ScalarType.Float32));
        using var data = new EventDataset("frames", frames.MoveToOuterDisposeScope(), labels.MoveToOuterDisposeScope(), ["on", "off"], Binning.TimeBins(3));
        var net = NetworkSpec.Build("4C3-FC2", [2, 6, 6]);
        var trainer = new Trainer(net, TrainingPlan.Truncated(3, 1), new TrainerOptions { BatchSize = 16, Epochs = 6, LearningRate = 1e-2 });
        var history = trainer.Fit(data, data);
        Assert.True(history.Last!.TestAccuracy > 0.8, $"accuracy {history.Last.TestAccuracy:P0} on a separable task");

        var wrong = new Trainer(NetworkSpec.Build("4C3-FC2", [6, 6, 6]), TrainingPlan.Bptt(3));
        var e = Assert.Throws<ArgumentException>(() => wrong.Evaluate(data));
        Assert.Contains("[2×6×6] per step", e.Message);
        var otherT = new Trainer(NetworkSpec.Build("4C3-FC2", [2, 6, 6]), TrainingPlan.Bptt(4));
        Assert.Contains("T = 3", Assert.Throws<ArgumentException>(() => otherT.Evaluate(data)).Message);
    }

    [Fact]
    public void Impossible_plans_and_shapes_are_rejected()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => TrainingPlan.Truncated(4, 5));
        Assert.Equal("Truncation", e.ParamName);
        using var data = Bars(8, seed: 1);
        var net = NetworkSpec.Build("4C3-FC2", [1, 10, 10]);
        var trainer = new Trainer(net, TrainingPlan.Bptt(2));
        var shape = Assert.Throws<ArgumentException>(() => trainer.Evaluate(data.Encoded()));
        Assert.Contains("1×8×8", shape.Message);
    }

    [Fact]
    public void Divergence_stops_with_a_clear_report()
    {
        torch.manual_seed(1);
        using var data = Bars(64, seed: 2);
        var net = NetworkSpec.Build("4C3-P2-FC2", [1, 8, 8]);
        // NaN inputs never spike (H(NaN) = 0), so force divergence through absurd weight updates.
        var trainer = new Trainer(net, TrainingPlan.Bptt(2), new TrainerOptions { BatchSize = 16, LearningRate = 1e37, Epochs = 3, CosineSchedule = false });
        var e = Assert.Throws<TrainingDivergedException>(() => trainer.Fit(data.Encoded()));
        Assert.Contains("diverged", e.Message);
        Assert.Contains("lr", e.Message);
    }
}
