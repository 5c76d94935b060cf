using Snn.Layers;
using Snn.Neurons;
using TorchSharp;
using static TorchSharp.torch;

namespace Snn.Benchmarks;

/// <summary>
/// W4 of docs/workloads.md, the layer the open neuromorphic framework benchmark times: one Linear(n, n) with bias, then
/// a LIF layer, on a seeded randn(T, batch, n) input. One step is the forward over all T steps, loss = spikes.sum() and
/// the backward, without an optimizer, as the harness times it. The layer is the kit's own <see cref="Stage"/> (the
/// synapse time-folded over [T·batch, n], the fused LIF window), so the bench times the path training takes.
/// </summary>
public sealed record LayerWorkload
{
    /// <summary>The id in `snn bench --workloads` and in report rows.</summary>
    public const string Id = "W4";
    public const string Name = "on-harness";
    /// <summary>The one mode: forward and backward, no optimizer.</summary>
    public const string Mode = "fwd-bwd";

    /// <summary>n here: 16 384 (the harness's largest) needs ~1 GiB of weights and ~10 TFLOP per step, minutes on a 2-core CPU.</summary>
    public static IReadOnlyList<int> DefaultSizes { get; } = [1024, 4096];
    public const int DefaultTimeSteps = 500, DefaultBatch = 16;

    /// <summary>
    /// The harness's neuron where the kit's LIF can express it: β = 0.95, θ = 1, subtractive reset, fast sigmoid with
    /// slope 25. The reset path is detached (the fused window needs that) and subtracts θ unleaked at the next step.
    /// </summary>
    public static LifParameters Neuron { get; } = new() { Beta = 0.95, Threshold = 1.0, Reset = ResetMode.Soft, Surrogate = new FastSigmoid(25.0) };

    public LayerWorkload(int neurons, int timeSteps = DefaultTimeSteps, int batch = DefaultBatch)
    {
        Neurons = neurons > 0 ? neurons : throw new ArgumentOutOfRangeException(nameof(neurons), neurons, "W4's n must be ≥ 1.");
        TimeSteps = timeSteps > 0 ? timeSteps : throw new ArgumentOutOfRangeException(nameof(timeSteps), timeSteps, "W4's T must be ≥ 1.");
        Batch = batch > 0 ? batch : throw new ArgumentOutOfRangeException(nameof(batch), batch, "W4's batch must be ≥ 1.");
    }

    /// <summary>n: the layer's inputs and neurons.</summary>
    public int Neurons { get; }
    public int TimeSteps { get; }
    public int Batch { get; }

    /// <summary>One workload per distinct size in <paramref name="sizes"/> (null: <see cref="DefaultSizes"/>); T and batch default to the harness's.</summary>
    public static IReadOnlyList<LayerWorkload> For(IEnumerable<int>? sizes, int? timeSteps = null, int? batch = null) =>
        (sizes ?? DefaultSizes).Distinct().Select(n => new LayerWorkload(n, timeSteps ?? DefaultTimeSteps, batch ?? DefaultBatch)).ToList();

    /// <summary>True for "W4" or "on-harness" (case-insensitive).</summary>
    public static bool Matches(string text) =>
        Id.Equals(text, StringComparison.OrdinalIgnoreCase) || Name.Equals(text, StringComparison.OrdinalIgnoreCase);

    /// <summary>What tells the rows of one report apart (their Plan field).</summary>
    public string Plan => $"n={Neurons}";

    /// <summary>Forward T·batch·n² and weight gradient T·batch·n²; the input needs no gradient, so none is computed.</summary>
    public double Macs => 2.0 * TimeSteps * Batch * Neurons * (double)Neurons;

    /// <summary>Weights and bias in float32.</summary>
    public double ParameterBytes => 4.0 * Neurons * ((double)Neurons + 1);

    /// <summary>The layer with seed <paramref name="seed"/> for libtorch's default Linear initialisation, on the CPU in float32.</summary>
    public Stage Build(int seed = 0)
    {
        torch.manual_seed(seed);
        return new Stage("w4", nn.Linear(Neurons, Neurons), null, new LifNeuron(Neuron), [Neurons], [Neurons], $"FC{Neurons}",
            new StageLayout(SynapseKind.Linear, SynapseShape: [Neurons]));
    }

    /// <summary>The input randn(T, batch, n) from its own generator seeded with <paramref name="seed"/> (float32, the CPU).</summary>
    public Tensor Input(int seed = 0)
    {
        using var generator = new torch.Generator((ulong)seed);
        return torch.randn([TimeSteps, Batch, Neurons], generator: generator);
    }

    /// <summary>
    /// One step as the harness times it: <paramref name="layer"/> from rest over all T steps of <paramref name="input"/>,
    /// loss = spikes.sum(), backward. The gradients accumulate in the parameters (and in the input when it requires one);
    /// <paramref name="forwardDone"/> runs between forward and backward (for timing them apart). Returns the spikes, detached.
    /// </summary>
    public static Tensor Step(Stage layer, Tensor input, Action? forwardDone = null)
    {
        ArgumentNullException.ThrowIfNull(layer);
        layer.ResetState();   // every step starts from rest, as the harness's does
        using var scope = torch.NewDisposeScope();
        var spikes = layer.forward(input);
        forwardDone?.Invoke();
        spikes.sum().backward();
        return spikes.detach().MoveToOuterDisposeScope();
    }

    /// <summary>The layer's firing rate on <paramref name="input"/> (a forward without gradients); leaves it at rest.</summary>
    public static double FiringRate(Stage layer, Tensor input)
    {
        ArgumentNullException.ThrowIfNull(layer);
        using var scope = torch.NewDisposeScope();
        using var _ = torch.no_grad();
        layer.ResetState();
        var rate = layer.forward(input).mean().to_type(ScalarType.Float64).item<double>();
        layer.ResetState();
        return rate;
    }

    public override string ToString() => $"{Id} {Name}: Linear({Neurons}, {Neurons}) + LIF, input randn({TimeSteps}, {Batch}, {Neurons}), forward + backward";
}
