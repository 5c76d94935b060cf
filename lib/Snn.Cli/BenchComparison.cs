using System.Text.Json;
using Snn.Benchmarks;

namespace Snn.Cli;

/// <summary>`snn bench --compare FILE.json`: this run's rows as ratios of an earlier run of the same command (now / before).</summary>
internal static class BenchComparison
{
    /// <summary>Reads an earlier `snn bench --json` report; a missing, unreadable or foreign file is a usage error (exit 2).</summary>
    public static BenchReport Load(string path, JsonSerializerOptions options)
    {
        if (!File.Exists(path)) throw new UsageException($"--compare {path}: no such file; expected the --json report of an earlier `snn bench`.");
        BenchReport? report;
        try
        {
            report = JsonSerializer.Deserialize<BenchReport>(File.ReadAllText(path), options);
        }
        catch (Exception e) when (e is JsonException or IOException or UnauthorizedAccessException or NotSupportedException)
        {
            throw new UsageException($"--compare {path}: not a readable `snn bench --json` report ({e.Message}).");
        }
        if (report?.Rows is not { Count: > 0 })
            throw new UsageException($"--compare {path}: the report has no rows; expected the --json report of an earlier `snn bench`.");
        if (report.Rows.FindIndex(r => r?.Workload is null || r.Mode is null) is var bad and >= 0)
            throw new UsageException($"--compare {path}: row {bad + 1} has no Workload or Mode; expected the --json report of an earlier `snn bench`.");
        return report;
    }

    /// <summary>
    /// Refuses (exit 2) a <paramref name="before"/> report made on another CPU model than <paramref name="cpu"/> — or on an
    /// unrecorded one — unless <paramref name="acrossCpus"/>: the kernels differ (bf16, AMX, BLAS), so its ratios would
    /// measure the machines as much as the change.
    /// </summary>
    public static void CheckCpu(BenchReport before, string path, string cpu, bool acrossCpus)
    {
        if (acrossCpus || before.Cpu == cpu) return;
        var made = before.Cpu.Length == 0 ? "records no CPU model (written before `snn bench` recorded one)" : $"was made on {before.Cpu}";
        throw new UsageException($"--compare {path} {made}; this machine is {cpu}. Time ratios across CPU models measure the machines: "
            + "run both builds here in one sitting, or pass --compare-across-cpus to compare anyway.");
    }

    private static string Tiered(bool? on) => on switch { true => "on", false => "off", null => "unrecorded" };

    /// <summary>Prints, per (workload, mode) present in both, median time and measured peak memory as now / before.</summary>
    public static void Print(BenchReport now, BenchReport before, string beforePath)
    {
        Console.WriteLine();
        Console.WriteLine($"compared with {beforePath} "
            + "(ratio now / before; < 1 is faster or leaner; the machine's speed drifts, so compare runs of one sitting):");
        if (now.Device != before.Device)
            Console.WriteLine($"note: this run is on {now.Device}, {Path.GetFileName(beforePath)} on {before.Device}: the ratios compare devices.");
        if (now.Cpu != before.Cpu)
            Console.WriteLine($"note: this run is on {Known(now.Cpu, "CPU model")}, {Path.GetFileName(beforePath)} on {Known(before.Cpu, "CPU model")}: "
                + "the ratios compare CPU models too.");
        if (now.Libtorch != before.Libtorch)
            Console.WriteLine($"note: {Known(now.Libtorch, "libtorch")} now, {Known(before.Libtorch, "libtorch")} in {Path.GetFileName(beforePath)}.");
        // Settings that change what a row measures: each as "<setting now> now, <setting before> in FILE: <what the ratios measure>".
        (string Now, string Before, string Measures)[] settings =
        [
            ($"recompute {Segment(now.Recompute)}", $"recompute {Segment(before.Recompute)}", "recomputation"),
            ($"input encoded {now.Input}", $"input encoded {before.Input}", "the encoding of W2/W3's event frames too (or leave it out)"),
            ($"synapse chunk {Segment(now.SynapseChunk, "C")}", $"synapse chunk {Segment(before.SynapseChunk, "C")}", "the chunking"),
            ($"{now.ConvolutionLayout} convolutions", $"{before.ConvolutionLayout} convolutions", "the layout (and its float32 rounding differs)"),
            ($"tiered compilation {Tiered(now.TieredCompilation)}", $"tiered compilation {Tiered(before.TieredCompilation)}",
                ".NET's background recompilation too (it competes with libtorch's threads for a core)"),
        ];
        foreach (var (then, earlier, measures) in settings.Where(x => x.Now != x.Before))
            Console.WriteLine($"note: {then} now, {earlier} in {Path.GetFileName(beforePath)}: the ratios measure {measures}.");
        Console.WriteLine($"{"workload",-16} {"mode",-9} {"median ms",22} {"ratio",7} {"peak MiB",18} {"ratio",7}");
        foreach (var row in now.Rows)
        {
            var old = before.Rows.FirstOrDefault(r => r.Workload == row.Workload && r.Mode == row.Mode && r.Plan == row.Plan);
            var name = Label(row, now);
            if (old is null)
            {
                Console.WriteLine($"{name,-16} {row.Mode,-9} (not in {Path.GetFileName(beforePath)})");
                continue;
            }
            var time = old.MedianMs > 0 && row.MedianMs > 0 ? $"{row.MedianMs / old.MedianMs:F2}" : "n/a";
            var memory = row.MeasuredPeakBytes is { } m && old.MeasuredPeakBytes is { } o && o > 0 ? $"{(double)m / o:F2}" : "n/a";
            Console.WriteLine($"{name,-16} {row.Mode,-9} {$"{row.MedianMs:F1} vs {old.MedianMs:F1}",22} {time,7} "
                + $"{$"{Mib(row.MeasuredPeakBytes)} vs {Mib(old.MeasuredPeakBytes)}",18} {memory,7}");
        }
        foreach (var old in before.Rows.Where(o => !now.Rows.Any(r => r.Workload == o.Workload && r.Mode == o.Mode && r.Plan == o.Plan)))
            Console.WriteLine($"{Label(old, before),-16} {old.Mode,-9} (only in {Path.GetFileName(beforePath)})");
    }

    // The workload, with the plan where the report holds several rows of one workload and mode (W4's sizes).
    private static string Label(BenchRow row, BenchReport report) =>
        report.Rows.Count(r => r.Workload == row.Workload && r.Mode == row.Mode) > 1 ? $"{row.Workload} {row.Plan}" : row.Workload;

    private static string Known(string recorded, string what) => recorded.Length == 0 ? $"an unrecorded {what}" : recorded;

    // A recompute segment (S) or a synapse chunk (C), or off.
    private static string Segment(int? value, string name = "S") => value is { } v ? $"{name} = {v}" : "off";

    private static string Mib(long? bytes) => bytes is { } b ? $"{b / 1048576.0:F1}" : "n/a";
}
