using Snn.Neurons;
using TorchSharp;
using static TorchSharp.torch;

namespace Snn.Layers;

/// <summary>
/// Dropout for spike sequences [K, N, …]: one Bernoulli mask per sample, drawn at the first call after
/// <see cref="NetworkState.ResetState"/> and reused at every time step and in every later truncation window of the
/// same sequence (a fresh mask per step would inject noise that looks like extra spikes; one per window
/// would make the dynamics depend on K). Kept units are scaled by 1/(1 − p). Identity in eval mode.
/// </summary>
public sealed class TimeSharedDropout : StatefulModule
{
    private readonly StateSlot mask;

    public TimeSharedDropout(double probability, string name = "dropout") : base(name)
    {
        if (!(probability >= 0 && probability < 1))
            throw new ArgumentOutOfRangeException(nameof(probability), probability, "Dropout probability must be in [0, 1).");
        Probability = probability;
        mask = RegisterState("mask");
        RegisterComponents();
    }

    public double Probability { get; }

    /// <summary>The mask of the current sequence [N, …] (0 or 1/(1 − p)), or null before the first call after a reset.</summary>
    public Tensor? Mask => mask.ValueOrNull;

    public override Tensor forward(Tensor input)
    {
        if (!training || Probability == 0) return input;
        if (input.dim() < 2)
            throw new ArgumentException($"Dropout input must be [time, batch, …]; got shape [{string.Join(", ", input.shape)}].", nameof(input));
        var sample = input.shape[1..];
        if (mask.IsEmpty)
        {
            mask.Set(torch.rand(sample, dtype: input.dtype, device: input.device).ge(Probability).to_type(input.dtype) / (1 - Probability));
        }
        else if (!mask.Value.shape.SequenceEqual(sample))
        {
            throw new InvalidOperationException($"Dropout mask has shape [{string.Join(", ", mask.Value.shape)}] but this window's input is "
                + $"[{string.Join(", ", sample)}] per step: call ResetState() at the start of each sequence.");
        }
        return input * mask.Value;
    }

    // The mask carries no gradient history: nothing to cut at window borders or to save at segment borders.
    protected internal override bool DetachesAtWindowBorders => false;

    public override string ToString() => $"Dropout(p={Probability}, shared over time)";
}
