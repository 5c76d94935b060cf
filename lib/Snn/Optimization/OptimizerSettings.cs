using TorchSharp.Modules;

namespace Snn.Optimization;

/// <summary>
/// The optimizer of every block (docs/method.md, "Optimizer and schedule"): Adam (the default) or SGD with momentum,
/// both with an optional L2 weight decay added to the gradient, as torch.optim does. The learning rate and its schedule
/// are <see cref="Training.TrainerOptions"/>'s.
/// </summary>
public sealed record OptimizerSettings
{
    public OptimizerKind Kind { get; init; } = OptimizerKind.Adam;

    /// <summary>SGD's momentum μ in [0, 1) (0: plain SGD); 0.9 as in SLTT's and OTTT's code. Not used by Adam.</summary>
    public double Momentum { get; init; } = 0.9;

    /// <summary>L2 penalty λ ≥ 0: λ·w is added to the gradient before the update (both optimizers; 0: none).</summary>
    public double WeightDecay { get; init; }

    /// <summary>Nesterov momentum (SGD only; needs μ &gt; 0). Off, as in SLTT's and OTTT's code.</summary>
    public bool Nesterov { get; init; }

    /// <summary>Adam, the kit's default (no weight decay unless given).</summary>
    public static OptimizerSettings Adam(double weightDecay = 0) => new OptimizerSettings { WeightDecay = weightDecay }.Validated();

    /// <summary>SGD with momentum (dampening 0), as SLTT's and OTTT's published settings train.</summary>
    public static OptimizerSettings Sgd(double momentum = 0.9, double weightDecay = 0, bool nesterov = false) =>
        new OptimizerSettings { Kind = OptimizerKind.Sgd, Momentum = momentum, WeightDecay = weightDecay, Nesterov = nesterov }.Validated();

    /// <summary>Throws naming the setting when it is impossible.</summary>
    public OptimizerSettings Validated()
    {
        if (!Enum.IsDefined(Kind)) throw new ArgumentOutOfRangeException(nameof(Kind), Kind, "Unknown optimizer; expected Adam or Sgd.");
        if (!(Momentum >= 0 && Momentum < 1))
            throw new ArgumentOutOfRangeException(nameof(Momentum), Momentum, "SGD momentum must be in [0, 1) (0: plain SGD; 0.9 as in SLTT and OTTT).");
        if (!(WeightDecay >= 0 && double.IsFinite(WeightDecay)))
            throw new ArgumentOutOfRangeException(nameof(WeightDecay), WeightDecay, "Weight decay must be a finite number ≥ 0 (0: none).");
        if (Nesterov && Kind != OptimizerKind.Sgd)
            throw new ArgumentException("Nesterov momentum applies to SGD only (Kind = Sgd).", nameof(Nesterov));
        if (Nesterov && Momentum == 0)
            throw new ArgumentException("Nesterov momentum needs a momentum > 0.", nameof(Nesterov));
        return this;
    }

    /// <summary>An optimizer of this kind over <paramref name="parameters"/> at <paramref name="learningRate"/>.</summary>
    public OptimizerHelper Create(IEnumerable<Parameter> parameters, double learningRate) => Validated().Kind switch
    {
        // Both update in chunks: no parameter-sized temporaries (ChunkedAdam, ChunkedSgd).
        OptimizerKind.Adam => new ChunkedAdam(parameters, lr: learningRate, weightDecay: WeightDecay),
        _ => new ChunkedSgd(parameters, learningRate, Momentum, WeightDecay, Nesterov),
    };

    public override string ToString() => Kind == OptimizerKind.Adam
        ? "Adam" + (WeightDecay != 0 ? $" (weight decay {WeightDecay:G})" : "")
        : $"SGD (momentum {Momentum:G}{(Nesterov ? ", Nesterov" : "")}{(WeightDecay != 0 ? $", weight decay {WeightDecay:G}" : "")})";
}
