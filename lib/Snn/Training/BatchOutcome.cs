namespace Snn.Training;

/// <summary>
/// What one mini-batch produced. Losses are time-weighted means over the windows (the last block's is the
/// readout's); Readout is the network readout averaged over all T steps, [N × classes] row-major;
/// spike counts and elements are per stage (zero for the readout).
/// </summary>
public sealed record BatchOutcome(
    double Loss, long Correct, double[] BlockLosses, long[] BlockCorrect, double[] SpikeCounts, double[] SpikeElements, double[] Readout);
