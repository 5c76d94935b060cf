using Snn.Networks;
using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn.functional;

namespace Snn.Data;

/// <summary>One epoch of <see cref="EventFrameTraining"/>.</summary>
public sealed record EventEpoch(int Epoch, double TrainLoss, double TrainAccuracy, double TestAccuracy, double Seconds);

/// <summary>
/// Plain BPTT (K = T, one block) on binned event frames [T, N, C, H, W], with Adam. A stopgap until
/// Snn.Training.Trainer accepts sequences whose per-step shape differs from the stored sample shape
/// (its shape check compares the dataset's sample shape with the network input; see
/// <see cref="FramesEncoder.StepShape"/>); then use Trainer with <see cref="EventDataset.AsImageDataset"/>
/// and <see cref="EventDataset.Encoder"/>, which also gives truncation and local blocks.
/// </summary>
public static class EventFrameTraining
{
    public static List<EventEpoch> Fit(SpikingNetwork network, EventDataset train, EventDataset test, int epochs, int batchSize = 64,
        double learningRate = 1e-3, int seed = 0, float clampCounts = 1f, Action<string>? log = null)
    {
        if (!train.SampleShape.SequenceEqual(network.InputShape))
            throw new ArgumentException($"{train.Name} has frames of [{string.Join("×", train.SampleShape)}] but network {network.Spec} expects [{string.Join("×", network.InputShape)}].");
        if (epochs < 1) throw new ArgumentOutOfRangeException(nameof(epochs), epochs, "Epochs must be ≥ 1.");
        using var optimizer = optim.Adam(network.parameters(), learningRate);
        var history = new List<EventEpoch>();
        for (var epoch = 1; epoch <= epochs; epoch++)
        {
            var clock = System.Diagnostics.Stopwatch.StartNew();
            network.train();
            double lossSum = 0, correct = 0;
            foreach (var (x, y) in train.Batches(batchSize, shuffle: true, seed: seed + epoch, prefetch: true))
            {
                using var scope = torch.NewDisposeScope();
                scope.Attach([x, y]);
                network.ResetState();
                optimizer.zero_grad();
                var logits = network.forward(x.clamp(0, clampCounts)).mean([0]);
                var loss = cross_entropy(logits, y);
                loss.backward();
                optimizer.step();
                lossSum += loss.item<float>() * y.shape[0];
                correct += logits.argmax(1).eq(y).sum().item<long>();
            }
            network.ResetState();
            var acc = Evaluate(network, test, batchSize, clampCounts);
            var e = new EventEpoch(epoch, lossSum / train.Count, correct / train.Count, acc, clock.Elapsed.TotalSeconds);
            history.Add(e);
            log?.Invoke($"epoch {epoch}/{epochs}: train loss {e.TrainLoss:F3}, train accuracy {100 * e.TrainAccuracy:F1} %, test accuracy {100 * acc:F1} % ({e.Seconds:F0} s)");
        }
        return history;
    }

    public static double Evaluate(SpikingNetwork network, EventDataset data, int batchSize = 256, float clampCounts = 1f)
    {
        network.eval();
        long correct = 0;
        using (torch.no_grad())
        {
            foreach (var (x, y) in data.Batches(batchSize))
            {
                using var scope = torch.NewDisposeScope();
                scope.Attach([x, y]);
                network.ResetState();
                correct += network.forward(x.clamp(0, clampCounts)).mean([0]).argmax(1).eq(y).sum().item<long>();
            }
        }
        network.ResetState();
        network.train();
        return (double)correct / data.Count;
    }
}
