using Snn.Networks;
using TorchSharp;
using static TorchSharp.torch;
using Snn.Costs;
using Snn.Encoders;
using Snn.Plans;

namespace Snn.Benchmarks;

/// <summary>
/// A benchmark workload of docs/workloads.md: network spec, per-sample input shape, T, batch,
/// and a fixed seeded synthetic batch (analog values repeated every step, or Bernoulli event frames).
/// </summary>
public sealed record Workload(string Id, string Name, string Spec, long[] InputShape, int TimeSteps, int Batch, double? EventDensity, bool Calibrate)
{
    /// <summary>W1 mlp: 784 analog values (direct encoding), T = 25, 784-800-10, batch 128.</summary>
    public static Workload W1 { get; } = new("W1", "mlp", "FC800-FC10", [784], 25, 128, null, false);
    /// <summary>W2 conv-event: 2×34×34 event frames (p = 0.05), T = 10, 12C5-P2-64C5-P2-FC10, batch 32.</summary>
    public static Workload W2 { get; } = new("W2", "conv-event", "12C5-P2-64C5-P2-FC10", [2, 34, 34], 10, 32, 0.05, false);
    /// <summary>
    /// W3 alexnet-dvs: 2×64×64 event frames (p = 0.05), T = 10, the plain spiking AlexNet, batch 8. Its deep layers
    /// are silent with the default init, so the bench calibrates it to ~10 % firing (<see cref="Calibration.ScaleToFiringRate"/>).
    /// </summary>
    public static Workload W3 { get; } = new("W3", "alexnet-dvs", Zoo.AlexNetSpec(64, batchNorm: false), [2, 64, 64], 10, 8, 0.05, true);

    public static IReadOnlyList<Workload> All { get; } = [W1, W2, W3];

    /// <summary>The modes of docs/workloads.md (the default set of `snn bench`).</summary>
    public static IReadOnlyList<string> Modes { get; } = ["bptt", "tbptt", "tt-local"];

    /// <summary>
    /// The related methods as modes (docs/method.md, "Related methods as plans"), run only when named: SLTT, SLTT-K with
    /// k = T/5 sampled steps (as the truncated modes' K), OTTT_A, OTTT_O and DECOLLE. The cost model's columns count
    /// SLTT-K's backward on its k steps and OTTT's trace (docs/costs.md, "Related methods").
    /// </summary>
    public static IReadOnlyList<string> RelatedModes { get; } = ["sltt", "sltt-k", "ottt-a", "ottt-o", "decolle"];

    /// <summary>Every mode <see cref="Plan"/> accepts.</summary>
    public static IReadOnlyList<string> AllModes { get; } = [.. Modes, .. RelatedModes];

    /// <summary>Finds a workload by id or name (case-insensitive): "W3", "alexnet-dvs".</summary>
    public static Workload Parse(string text) =>
        All.FirstOrDefault(w => w.Id.Equals(text, StringComparison.OrdinalIgnoreCase) || w.Name.Equals(text, StringComparison.OrdinalIgnoreCase))
        ?? throw new ArgumentException($"Unknown workload '{text}'; expected one of {string.Join(", ", All.Select(w => $"{w.Id} ({w.Name})"))}.", nameof(text));

    public bool IsEvent => EventDensity is not null;

    /// <summary>
    /// bptt: K = T, one block; tbptt: K = T/5; tt-local: K = T/5, B = 1 (per-window and per-block updates); the
    /// <see cref="RelatedModes"/> as their named plans.
    /// </summary>
    public TrainingPlan Plan(string mode) => mode switch
    {
        "bptt" => TrainingPlan.Bptt(TimeSteps),
        "tbptt" => TrainingPlan.Truncated(TimeSteps, Math.Max(1, TimeSteps / 5)),
        "tt-local" => TrainingPlan.TruncatedLocal(TimeSteps, Math.Max(1, TimeSteps / 5), 1),
        "sltt" => TrainingPlan.Sltt(TimeSteps),
        "sltt-k" => TrainingPlan.SlttK(TimeSteps, Math.Max(1, TimeSteps / 5)),
        "ottt-a" => TrainingPlan.Ottt(TimeSteps, online: false),
        "ottt-o" => TrainingPlan.Ottt(TimeSteps, online: true),
        "decolle" => TrainingPlan.Decolle(TimeSteps),
        _ => throw new ArgumentException($"Unknown mode '{mode}'; expected one of {string.Join(", ", AllModes)}.", nameof(mode)),
    };

    /// <summary>
    /// The memory validation grid of `snn bench --sweep`: K ∈ {T, T/2, T/5, 1} × B ∈ {all stages, half, 1} (duplicates
    /// removed), from BPTT to fully truncated-local training.
    /// </summary>
    public IReadOnlyList<TrainingPlan> SweepPlans()
    {
        var stages = Build().Stages.Count;
        var ks = new[] { TimeSteps, TimeSteps / 2, TimeSteps / 5, 1 }.Where(k => k >= 1).Distinct();
        var bs = new[] { stages, (stages + 1) / 2, 1 }.Distinct();
        return ks.SelectMany(k => bs.Select(b => b == stages
                ? (k == TimeSteps ? TrainingPlan.Bptt(TimeSteps) : TrainingPlan.Truncated(TimeSteps, k))
                : TrainingPlan.TruncatedLocal(TimeSteps, k, b)))
            .ToList();
    }

    public SpikingNetwork Build() => NetworkSpec.Build(Spec, InputShape);

    public IEncoder Encoder(ulong seed = 0) => IsEvent ? new PoissonEncoder(seed, gain: 1.0) : new DirectEncoder();

    /// <summary>The fixed batch: images [N, …] (event density for event workloads, uniform [0, 1) otherwise) and labels [N].</summary>
    public (Tensor Images, Tensor Labels) SyntheticBatch(int seed = 0)
    {
        var g = new torch.Generator((ulong)seed);
        var images = IsEvent ? torch.full([Batch, .. InputShape], EventDensity!.Value) : torch.rand([Batch, .. InputShape], generator: g);
        var labels = torch.randint(0, 10, [Batch], generator: g, dtype: ScalarType.Int64);
        return (images, labels);
    }

    /// <summary>Cost-model options matching the workload's input.</summary>
    public CostOptions CostOptions(IReadOnlyList<double>? firingRates = null) => new()
    {
        AnalogInput = !IsEvent,
        InputConstantOverTime = !IsEvent,
        InputRate = EventDensity ?? 1.0,
        FiringRates = firingRates,
    };

    public override string ToString() => $"{Id} {Name}: [{string.Join("×", InputShape)}] T={TimeSteps} {Spec} batch {Batch}";
}
