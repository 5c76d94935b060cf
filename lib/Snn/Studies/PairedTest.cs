namespace Snn.Studies;

/// <summary>
/// The statistics of per-seed paired differences (<see cref="StudyStatistics.Paired"/>): n, mean, sample standard
/// deviation, the 95 % confidence interval of the mean, the two-sided paired t-test p-value (H0: mean = 0) and the
/// TOST equivalence p-value against ±<see cref="Margin"/> (H0: |mean| ≥ margin). p-values are NaN below two seeds.
/// </summary>
public sealed record PairedTest(int N, double Mean, double StdDev, double CiLow, double CiHigh, double PValue, double TostPValue, double Margin);
