namespace Snn.Experiments;

/// <summary>What the numbers say about a claim: the claimed effect is significant, the opposite is, or neither.</summary>
public enum Verdict { Supported, NotSupported, Inconclusive }
