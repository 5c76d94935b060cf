namespace Snn.Costs;

/// <summary>
/// The memory side of a <see cref="CostReport"/> (bytes): what <see cref="PeakMemoryModel"/> computes from the stages'
/// <see cref="StageFootprint"/>s.
/// </summary>
/// <param name="Retained">Max over blocks of K × Σ(block's per-step retained bytes).</param>
/// <param name="PeakActivations">The retained bytes of the block that sets the peak.</param>
/// <param name="BlockOutputs">Earlier blocks' outputs of the window kept alongside that block (K steps).</param>
/// <param name="BackwardTransient">That block's worst moment minus its retained bytes and the carried outputs.</param>
/// <param name="EncodedInput">The encoded input of all T steps (one step for a constant input).</param>
/// <param name="CarriedState">The neuron state carried between steps and windows.</param>
/// <param name="Persistent">Weights, gradients and optimizer state of network and heads.</param>
internal sealed record PeakMemory(double Retained, double PeakActivations, double BlockOutputs, double BackwardTransient,
    double EncodedInput, double CarriedState, double Persistent)
{
    /// <summary>What a memory meter sees for a step after warm-up (<see cref="CostReport.PeakStepBytes"/>).</summary>
    public double PeakStep => PeakActivations + BlockOutputs + BackwardTransient + EncodedInput + CarriedState;
}
