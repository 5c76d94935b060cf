using System.Globalization;
using System.Text;
using Snn.Data.Events;
using Snn.Data.Formats;

namespace Snn.Data;

/// <summary>
/// DVS128 Gesture (Amir et al. 2017): DvsGesture/userNN_&lt;lighting&gt;.aedat (AEDAT 3.1) with
/// userNN_&lt;lighting&gt;_labels.csv (class,startTime_usec,endTime_usec; classes 1..11) cutting each
/// recording into gesture samples (start ≤ t &lt; end, as Tonic and SpikingJelly cut them);
/// trials_to_train.txt / trials_to_test.txt list the official split.
/// </summary>
public static class DvsGesture
{
    public static readonly IReadOnlyList<string> ClassNames =
    [
        "hand clap", "right hand wave", "left hand wave", "right arm clockwise", "right arm counter-clockwise",
        "left arm clockwise", "left arm counter-clockwise", "arm roll", "air drums", "air guitar", "other gestures",
    ];

    /// <summary>(label 0..10, start µs, end µs) rows of a _labels.csv file.</summary>
    public static IReadOnlyList<(int Label, long Start, long End)> ReadLabels(string csvPath)
    {
        if (!File.Exists(csvPath)) throw new FileNotFoundException($"DVS Gesture label file not found: {csvPath}", csvPath);
        var rows = new List<(int, long, long)>();
        var text = File.ReadAllText(csvPath);
        var offset = 0;
        var lineNo = 0;
        foreach (var raw in text.Split('\n'))
        {
            lineNo++;
            var line = raw.TrimEnd('\r');
            var at = offset;
            offset += Encoding.UTF8.GetByteCount(raw) + 1;
            if (line.Trim().Length == 0) continue;
            if (lineNo == 1 && line.StartsWith("class", StringComparison.OrdinalIgnoreCase)) continue;
            var f = line.Split(',');
            if (f.Length != 3 || !int.TryParse(f[0], NumberStyles.Integer, CultureInfo.InvariantCulture, out var c)
                || !long.TryParse(f[1], NumberStyles.Integer, CultureInfo.InvariantCulture, out var s)
                || !long.TryParse(f[2], NumberStyles.Integer, CultureInfo.InvariantCulture, out var e))
                throw new DataFormatException($"{csvPath}: line {lineNo} at offset {at} is '{line}', not 'class,startTime_usec,endTime_usec'.");
            if (c < 1 || c > ClassNames.Count)
                throw new DataFormatException($"{csvPath}: line {lineNo} at offset {at}: class {c} is not in 1..{ClassNames.Count}.");
            if (s < 0 || e <= s) throw new DataFormatException($"{csvPath}: line {lineNo} at offset {at}: window [{s}, {e}) µs is empty or negative.");
            rows.Add((c - 1, s, e));
        }
        if (rows.Count == 0) throw new DataFormatException($"{csvPath}: no label rows.");
        return rows;
    }

    /// <summary>Cuts one recording into labelled gesture samples (timestamps kept as recorded).</summary>
    public static IReadOnlyList<(EventStream Events, int Label)> ReadRecording(string aedatPath, string? labelsPath = null)
    {
        labelsPath ??= Path.Combine(Path.GetDirectoryName(aedatPath)!, Path.GetFileNameWithoutExtension(aedatPath) + "_labels.csv");
        var labels = ReadLabels(labelsPath);
        var events = Aedat.ReadAedat31(aedatPath);
        var last = events.Count == 0 ? -1 : events.T[^1];
        return labels.Select((row, i) =>
        {
            if (row.Start > last)
                throw new DataFormatException($"{labelsPath}: label row {i + 1} starts at {row.Start} µs, after the last event ({last} µs) of {aedatPath}: "
                    + "the label file does not belong to this recording.");
            return (events.TimeRange(row.Start, row.End), row.Label);
        }).ToList();
    }

    /// <summary>The recordings listed in trials_to_train.txt or trials_to_test.txt of a DvsGesture folder.</summary>
    public static IReadOnlyList<string> Trials(string folder, bool train)
    {
        var list = Path.Combine(folder, train ? "trials_to_train.txt" : "trials_to_test.txt");
        if (!File.Exists(list)) throw new FileNotFoundException($"{list} is missing: unpack DvsGesture.tar.gz into {folder}.", list);
        return File.ReadAllLines(list).Select(l => l.Trim()).Where(l => l.Length > 0).Select(l => Path.Combine(folder, l)).ToList();
    }
}
