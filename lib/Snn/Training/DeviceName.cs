using System.Globalization;

namespace Snn.Training;

/// <summary>
/// The one parser of device names ("cpu", "cuda", "cuda:N"), shared by experiment configs ("device") and
/// `snn bench --device`, so both accept the same spellings and a run id never depends on which one read it.
/// </summary>
public static class DeviceName
{
    /// <summary>What is accepted, for error messages.</summary>
    public const string Expected = "cpu, cuda or cuda:N";

    /// <summary>The name trimmed and lower-cased ("cpu", "cuda" or "cuda:N" with N a plain decimal), or null for anything else.</summary>
    public static string? Parse(string? text)
    {
        var d = (text ?? "").Trim().ToLowerInvariant();
        return d is "cpu" or "cuda"
               || (d.StartsWith("cuda:", StringComparison.Ordinal) && int.TryParse(d[5..], NumberStyles.None, CultureInfo.InvariantCulture, out _))
            ? d : null;
    }
}
