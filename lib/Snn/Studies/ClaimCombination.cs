namespace Snn.Studies;

/// <summary>
/// How a claim with several contrasts in one setting gets one verdict. <see cref="All"/>: supported only when every
/// part is; contradicted when any part is; equivalent when every part is; else inconclusive. <see cref="Any"/> (for a
/// claim whose parts are alternatives, "… or can even …"): supported when some part is supported and none is
/// contradicted; contradicted when some part is contradicted and none supported; equivalent when every part is; else
/// inconclusive.
/// </summary>
public enum ClaimCombination { All, Any }
