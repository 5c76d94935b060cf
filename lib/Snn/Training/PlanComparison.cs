using Snn.Data;
using Snn.Networks;
using TorchSharp;
using Snn.Plans;
using Snn.Measurement;

namespace Snn.Training;

/// <summary>Trains the same network (rebuilt from the same seed) under several plans, side by side.</summary>
public static class PlanComparison
{
    /// <summary>
    /// Peak memory of one training step (MiB, measured; null where unsupported) for each plan, side by side
    /// under the same conditions: a fresh network per plan (same seed), the first batch of <paramref name="data"/>
    /// (batch size of <paramref name="options"/>, the plan's T), <paramref name="warmup"/> steps on it (the first
    /// allocates the optimizer state), then the smallest of <paramref name="repeats"/> measured steps
    /// (<see cref="StepMemoryProbe"/>).
    /// </summary>
    public static List<(TrainingPlan Plan, double? MiB)> StepMemory(IEnumerable<TrainingPlan> plans, Func<SpikingNetwork> network,
        TrainerOptions options, IBatchSource data, int seed = 0, int warmup = 3, int repeats = 3)
    {
        var result = new List<(TrainingPlan, double?)>();
        foreach (var plan in plans)
        {
            torch.manual_seed(seed);
            var trainer = new Trainer(network(), plan, options with { CheckpointPath = null, Resume = false });
            using var scope = torch.NewDisposeScope();
            var (input, labels) = data.FirstBatch(options.BatchSize, plan.TimeSteps);
            scope.Attach([input, labels]);
            var bytes = StepMemoryProbe.Measure(() => trainer.TrainStep(input, labels), warmup, repeats).Best;
            result.Add((plan, bytes / (1024.0 * 1024.0)));
        }
        return result;
    }

    /// <summary>
    /// For each plan: seed TorchSharp with <paramref name="seed"/>, build a fresh network, train it and
    /// evaluate on <paramref name="test"/>. <paramref name="log"/> gets epoch reports (and batch
    /// reports when <paramref name="logBatches"/>).
    /// </summary>
    public static List<PlanRun> Run(IEnumerable<TrainingPlan> plans, Func<SpikingNetwork> network, TrainerOptions options,
        IBatchSource train, IBatchSource? test = null, int seed = 0, Action<string>? log = null, bool logBatches = false)
    {
        var runs = new List<PlanRun>();
        foreach (var plan in plans)
        {
            torch.manual_seed(seed);
            var trainer = new Trainer(network(), plan, options);
            var history = trainer.Fit(train, test, p =>
            {
                if (log is not null && (logBatches || p.Kind == ProgressKind.Epoch)) log($"{plan}: {p}");
            });
            runs.Add(new PlanRun(plan, history, trainer));
        }
        return runs;
    }
}
