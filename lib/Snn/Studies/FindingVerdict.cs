namespace Snn.Studies;

/// <summary>
/// The words for a contrast without a claimed direction (expected 0): <see cref="Effect"/> — significant (its sign is the
/// sign of the mean); <see cref="Equivalent"/> — the TOST shows |effect| &lt; margin; <see cref="Inconclusive"/> — neither.
/// </summary>
public enum FindingVerdict { Effect, Equivalent, Inconclusive }
