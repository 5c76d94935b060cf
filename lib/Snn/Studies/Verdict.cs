namespace Snn.Studies;

/// <summary>
/// What the numbers say about a directed claim: <see cref="Supported"/> — the effect is significant with the claimed
/// sign; <see cref="Contradicted"/> — significant with the opposite sign; <see cref="Equivalent"/> — an equivalence test
/// (TOST) shows the effect lies within the margin, so there is no effect of practical size; <see cref="Inconclusive"/>
/// — none of these.
/// </summary>
public enum Verdict { Supported, Contradicted, Equivalent, Inconclusive }
