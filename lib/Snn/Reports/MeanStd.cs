namespace Snn.Reports;

/// <summary>Mean and sample standard deviation (n − 1) of <see cref="N"/> values, one per seed; <see cref="Std"/> is null for one value.</summary>
public readonly record struct MeanStd(int N, double Mean, double? Std)
{
    /// <summary>The statistics of <paramref name="values"/>; null when there are none.</summary>
    public static MeanStd? Of(IEnumerable<double> values)
    {
        var v = values.ToArray();
        if (v.Length == 0) return null;
        var mean = v.Sum() / v.Length;
        // Two passes: the squared deviations from the mean, not E[x²] − mean², which cancels for close values.
        double? std = v.Length > 1 ? Math.Sqrt(v.Sum(x => (x - mean) * (x - mean)) / (v.Length - 1)) : null;
        return new MeanStd(v.Length, mean, std);
    }

    /// <summary>
    /// "75.60 ± 0.31" with values times <paramref name="scale"/>; the mean alone for one value, a zero std or
    /// <paramref name="spread"/> false.
    /// </summary>
    public string Format(double scale = 1, string format = "F2", bool spread = true)
    {
        var mean = (Mean * scale).ToString(format, System.Globalization.CultureInfo.InvariantCulture);
        return spread && Std is { } sd && sd != 0 ? $"{mean} ± {(sd * scale).ToString(format, System.Globalization.CultureInfo.InvariantCulture)}" : mean;
    }
}
