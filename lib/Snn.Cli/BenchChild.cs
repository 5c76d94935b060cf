using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Snn.Benchmarks;
using Snn.Measurement;
using Snn.Threading;

namespace Snn.Cli;

/// <summary>
/// A phase of `snn bench` in a fresh `snn bench --phase P` process: the allocator settings (MALLOC_* tuning for the
/// timing run, none and the exact allocation counter for the memory runs) hold only from a process's start.
/// </summary>
internal static class BenchChild
{
    /// <summary>
    /// The arguments of a child run, one list element per argument (never a joined string, so that paths with
    /// spaces survive), rebuilt from the parsed settings.
    /// </summary>
    internal static List<string> Arguments(BenchCommand.Settings s, string phase, string json)
    {
        List<string> args =
        [
            "bench",
            "--workloads", string.Join(',', s.Workloads.Select(w => w.Id).Concat(s.LayerWorkloads.Count > 0 ? [LayerWorkload.Id] : [])),
            "--modes", string.Join(',', s.Modes),
            "--steps", s.Steps.ToString(CultureInfo.InvariantCulture),
            "--warmup", s.Warmup.ToString(CultureInfo.InvariantCulture),
        ];
        if (s.Threads is { } n) args.AddRange(["--threads", n.ToString(CultureInfo.InvariantCulture)]);
        if (s.Device != "cpu") args.AddRange(["--device", s.Device]);
        if (s.Recompute is { } segment) args.AddRange(["--recompute", segment.ToString(CultureInfo.InvariantCulture)]);
        if (s.Precision != "float32") args.AddRange(["--precision", s.Precision]);
        if (s.Input != BenchInput.PerStep) args.AddRange(["--input", s.Setup.InputLabel]);
        if (s.ChannelsLast) args.Add("--channels-last");
        if (s.SynapseChunk is { } synapseChunk) args.AddRange(["--synapse-chunk", synapseChunk.ToString(CultureInfo.InvariantCulture)]);
        if (s.LayerWorkloads is [var layer, ..])   // one T and batch for all sizes
            args.AddRange(["--w4-n", string.Join(',', s.LayerWorkloads.Select(w => w.Neurons.ToString(CultureInfo.InvariantCulture))),
                "--w4-t", layer.TimeSteps.ToString(CultureInfo.InvariantCulture), "--w4-batch", layer.Batch.ToString(CultureInfo.InvariantCulture)]);
        if (s.TimeSteps is { } ts) args.AddRange(["--time-steps", string.Join(',', ts.Select(t => t.ToString(CultureInfo.InvariantCulture)))]);
        args.AddRange(["--phase", phase, "--json", json]);
        return args;
    }

    public static BenchReport Run(string phase, BenchCommand.Settings s, bool tuned)
    {
        var folder = Directory.CreateTempSubdirectory($"snn-bench-{Environment.ProcessId}-");
        try
        {
            var file = Path.Combine(folder.FullName, $"{phase}.json");
            var self = Environment.ProcessPath ?? throw new InvalidOperationException("Cannot find this executable to re-run the bench.");
            var info = new ProcessStartInfo(self) { UseShellExecute = false };
            if (Path.GetFileNameWithoutExtension(self) == "dotnet") info.ArgumentList.Add(typeof(BenchCommand).Assembly.Location);
            foreach (var a in Arguments(s, phase, file)) info.ArgumentList.Add(a);
            foreach (var (k, v) in Bench.MallocTuning)
                if (tuned) info.Environment[k] = v; else info.Environment.Remove(k);
            // The memory run counts every allocation exactly with the interposed counter, where it was built.
            var counter = phase is "memory" or "sweep" ? MemoryMeter.CounterLibraryPath : null;
            if (counter is not null) info.Environment["LD_PRELOAD"] = counter;
            Console.WriteLine($"[bench] {phase} run ({(tuned ? "with" : "without")} MALLOC_* tuning{(counter is null ? "" : ", exact allocation counter")})…");
            using var process = Process.Start(info) ?? throw new InvalidOperationException($"Could not start {self} for the bench {phase} run.");
            process.WaitForExit();
            if (process.ExitCode != 0) throw new InvalidOperationException($"The bench {phase} run failed with exit code {process.ExitCode}.");
            return JsonSerializer.Deserialize<BenchReport>(File.ReadAllText(file), BenchReport.Json)
                ?? throw new InvalidDataException($"The bench {phase} run wrote an empty report.");
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    /// <summary>The child's side: runs one phase in-process and writes its report to --json (or prints it).</summary>
    public static int RunPhase(string phase, BenchCommand.Settings s)
    {
        var (workloads, modes) = (s.Workloads.ToList(), s.Modes.ToList());
        var report = phase switch
        {
            "time" => BenchRun.Time(workloads, modes, s.Warmup, s.Steps, s.Device, s.Setup,
                OpenMpSettings.Decision ?? "default", Console.WriteLine, s.LayerWorkloads),
            "sweep" => BenchRun.Sweep(workloads, s.Setup, Console.WriteLine),
            _ when s.TimeSteps is { } ts => BenchRun.MemoryOverTimeSteps(workloads, modes, ts, s.Setup, Console.WriteLine),
            _ => BenchRun.Memory(workloads, modes, s.Setup, Console.WriteLine, s.LayerWorkloads),
        };
        if (s.Json is { } json) File.WriteAllText(json, JsonSerializer.Serialize(report, BenchReport.Json));
        else if (phase == "sweep") BenchPrinter.PrintSweep(report);
        else if (s.TimeSteps is not null) BenchPrinter.PrintTimeSteps(report);
        else BenchPrinter.Print(report);
        return ExitCodes.Ok;
    }
}
