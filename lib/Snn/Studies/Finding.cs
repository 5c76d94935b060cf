namespace Snn.Studies;

/// <summary>One of the paper's claims (C1–C4) checked against a study: the verdict, a sentence of evidence, and the comparisons behind it.</summary>
public sealed record Finding(string Id, string Claim, Verdict Verdict, string Evidence, IReadOnlyList<PairedComparison> Comparisons)
{
    public override string ToString() => $"{Id} {ContrastResult.WordOf(Verdict)}: {Evidence}";
}
