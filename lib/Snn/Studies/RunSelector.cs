using System.Globalization;

namespace Snn.Studies;

/// <summary>
/// Which rows of a runs.csv belong to an arm or a setting: every named column must hold the required value. Values
/// compare numerically when both the cell and the required value are numbers ("0.0010" = "1e-3"), else as ordinal
/// strings; a required "" asks for an empty cell.
/// </summary>
public sealed record RunSelector(IReadOnlyDictionary<string, string> Required)
{
    /// <summary>True when <paramref name="row"/> holds every required value; throws <see cref="KeyNotFoundException"/> naming a missing column.</summary>
    public bool Matches(IReadOnlyDictionary<string, string> row)
    {
        ArgumentNullException.ThrowIfNull(row);
        foreach (var (column, value) in Required)
        {
            if (!row.TryGetValue(column, out var cell))
                throw new KeyNotFoundException($"no column '{column}' in the runs table; the selector needs it.");
            if (!Same(cell, value)) return false;
        }
        return true;
    }

    /// <summary>"plan.K = 1, plan.B = all".</summary>
    public override string ToString() => string.Join(", ", Required.Select(kv => $"{kv.Key} = {(kv.Value.Length == 0 ? "\"\"" : kv.Value)}"));

    private static bool Same(string cell, string required) =>
        double.TryParse(cell, NumberStyles.Float, CultureInfo.InvariantCulture, out var a)
        && double.TryParse(required, NumberStyles.Float, CultureInfo.InvariantCulture, out var b)
            ? a == b
            : string.Equals(cell, required, StringComparison.Ordinal);
}
