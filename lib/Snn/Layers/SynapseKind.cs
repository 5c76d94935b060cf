namespace Snn.Layers;

/// <summary>Kind of a stage's synapse.</summary>
public enum SynapseKind { Conv, Linear }
