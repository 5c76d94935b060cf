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
    /// allocates the optimizer state), then the median of <paramref name="repeats"/> measured steps
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
    /// Median seconds of one training step for each plan, measured interleaved so that a machine whose speed drifts
    /// slows every plan alike: a fresh network per plan (same seed) on the first batch of <paramref name="data"/>,
    /// <paramref name="warmup"/> untimed steps each, then <paramref name="rounds"/> rounds in which every plan in turn
    /// runs <paramref name="steps"/> timed steps; the median over its rounds × steps. Compare plans as ratios of one call.
    /// </summary>
    public static List<(TrainingPlan Plan, double Seconds)> StepSeconds(IEnumerable<TrainingPlan> plans, Func<SpikingNetwork> network,
        TrainerOptions options, IBatchSource data, int seed = 0, int warmup = 2, int steps = 3, int rounds = 3)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(warmup);
        ArgumentOutOfRangeException.ThrowIfLessThan(steps, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(rounds, 1);
        var quiet = options with { CheckpointPath = null, Resume = false, MeasureMemory = false };
        var trainers = plans.Select(plan =>
        {
            torch.manual_seed(seed);
            return new Trainer(network(), plan, quiet);
        }).ToList();
        var batches = new List<(torch.Tensor Input, torch.Tensor Labels)>();
        var times = trainers.Select(_ => new List<double>()).ToList();
        try
        {
            foreach (var trainer in trainers)
            {
                batches.Add(data.FirstBatch(options.BatchSize, trainer.Plan.TimeSteps));
                for (var i = 0; i < warmup; i++) Step(trainer, batches[^1]);
            }
            for (var r = 0; r < rounds; r++)
                for (var p = 0; p < trainers.Count; p++)
                    for (var i = 0; i < steps; i++)
                    {
                        var clock = System.Diagnostics.Stopwatch.StartNew();
                        Step(trainers[p], batches[p]);
                        times[p].Add(clock.Elapsed.TotalSeconds);
                    }
        }
        finally
        {
            foreach (var (input, labels) in batches) { input.Dispose(); labels.Dispose(); }
        }
        return trainers.Select((t, p) => (t.Plan, Median(times[p]))).ToList();
    }

    private static void Step(Trainer trainer, (torch.Tensor Input, torch.Tensor Labels) batch)
    {
        using var scope = torch.NewDisposeScope();
        trainer.TrainStep(batch.Input, batch.Labels);
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        var mid = sorted.Count / 2;
        return sorted.Count % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
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
