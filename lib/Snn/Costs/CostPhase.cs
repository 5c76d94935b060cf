namespace Snn.Costs;

/// <summary>Phases of one training step.</summary>
public enum CostPhase { Forward, ErrorPropagation, WeightGradient, Optimizer }
