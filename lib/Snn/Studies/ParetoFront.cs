namespace Snn.Studies;

/// <summary>
/// The trade-off front of a set of options: those no other option dominates (as good or better in both value and
/// cost, strictly better in one). Here: maximise accuracy, minimise memory.
/// </summary>
public static class ParetoFront
{
    /// <summary>
    /// The non-dominated items by <paramref name="value"/> (higher is better) and <paramref name="cost"/> (lower is
    /// better), by cost ascending; items with a non-finite value or cost take no part; exact ties are all kept.
    /// </summary>
    public static IReadOnlyList<T> Of<T>(IEnumerable<T> items, Func<T, double> value, Func<T, double> cost)
    {
        ArgumentNullException.ThrowIfNull(items);
        var points = items.Select(i => (Item: i, Value: value(i), Cost: cost(i))).Where(p => double.IsFinite(p.Value) && double.IsFinite(p.Cost)).ToList();
        return points
            .Where(p => !points.Any(o => o.Value >= p.Value && o.Cost <= p.Cost && (o.Value > p.Value || o.Cost < p.Cost)))
            .OrderBy(p => p.Cost).ThenByDescending(p => p.Value).Select(p => p.Item).ToList();
    }
}
