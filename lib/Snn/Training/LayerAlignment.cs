namespace Snn.Training;

/// <summary>Cosine similarity between a plan's gradient and the BPTT gradient for one stage (all its weights and biases).</summary>
public sealed record LayerAlignment(int Stage, string Spec, double Cosine, double PlanNorm, double BpttNorm);
