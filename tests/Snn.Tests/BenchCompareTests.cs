using System.Text.Json;
using Snn.Benchmarks;
using Snn.Cli;
using Snn.Measurement;

namespace Snn.Tests;

/// <summary>`snn bench --compare FILE`: ratios against an earlier report; a bad FILE is a usage error before any work.</summary>
public sealed class BenchCompareTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("snn compare ").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    private static BenchRow Row(string workload, string mode, double medianMs, long? peak) =>
        new(workload, mode, $"{mode} plan", 8, 10, medianMs, medianMs, medianMs, 1, peak, 1, 1, 1, 1, 1, 1, 1, []);

    private static BenchReport Report(params BenchRow[] rows) => new("test machine", 2, 100, true, "exact", 1, 1, [.. rows], 1);

    [Fact]
    public void A_missing_or_foreign_compare_file_exits_2_naming_the_option()
    {
        var missing = ConsoleCapture.Snn("bench", "--workloads", "W1", "--modes", "bptt", "--compare", Path.Combine(dir, "none.json"));
        Assert.Equal(2, missing.Code);
        Assert.Contains("--compare", missing.Error);
        var foreign = Path.Combine(dir, "foreign.json");
        File.WriteAllText(foreign, "{ \"something\": [1, 2] }");
        var wrong = ConsoleCapture.Snn("bench", "--workloads", "W1", "--modes", "bptt", "--compare", foreign);
        Assert.Equal(2, wrong.Code);
        Assert.Contains("--compare", wrong.Error);
    }

    [Fact]
    public void A_garbled_compare_file_exits_2_naming_the_file_before_any_benchmark_runs()
    {
        var garbled = Path.Combine(dir, "garbled bench.json");
        File.WriteAllText(garbled, JsonSerializer.Serialize(Report(Row("W1 mlp", "bptt", 40, 1)))[..40]);   // cut mid-way
        var (code, output, error) = ConsoleCapture.Snn("bench", "--workloads", "W1", "--modes", "bptt", "--compare", garbled);
        Assert.Equal(2, code);
        Assert.Contains(garbled, error);
        Assert.DoesNotContain("[bench]", output);   // nothing ran
        var rowless = Path.Combine(dir, "rowless.json");
        File.WriteAllText(rowless, """{ "Machine": "m", "Rows": [ { "MedianMs": 3 } ] }""");
        (code, _, error) = ConsoleCapture.Snn("bench", "--workloads", "W1", "--modes", "bptt", "--compare", rowless);
        Assert.Equal(2, code);
        Assert.Contains("row 1 has no Workload or Mode", error);
    }

    [Fact]
    public void A_report_from_another_device_is_compared_with_a_note_and_an_old_report_is_on_the_cpu()
    {
        var path = Path.Combine(dir, "old.json");
        using (var doc = JsonDocument.Parse(JsonSerializer.Serialize(Report(Row("W1 mlp", "bptt", 40, 1)))))
        {
            // A report written before the Device field existed.
            var fields = doc.RootElement.EnumerateObject().Where(p => p.Name is not ("Device" or "Input")).ToDictionary(p => p.Name, p => p.Value.Clone());
            File.WriteAllText(path, JsonSerializer.Serialize(fields));
        }
        var old = BenchComparison.Load(path, new JsonSerializerOptions());
        Assert.Equal("cpu", old.Device);
        Assert.Equal("per-step", old.Input);   // written before --input existed: the frames were drawn in each step
        var (_, output, _) = ConsoleCapture.Run(() => { BenchComparison.Print(Report(Row("W1 mlp", "bptt", 4, null)) with { Device = "cuda" }, old, path); return 0; });
        Assert.Contains("this run is on cuda, old.json on cpu", output);
        (_, output, _) = ConsoleCapture.Run(() =>
        {
            BenchComparison.Print(Report(Row("W1 mlp", "bptt", 4, null)) with
            {
                Input = "once",
                SynapseChunk = 64,
                ConvolutionLayout = "channels-last",
                TieredCompilation = false,
            }, old, path);
            return 0;
        });
        Assert.Contains("note: input encoded once now, input encoded per-step in old.json", output);
        Assert.Contains("note: synapse chunk C = 64 now, synapse chunk off in old.json: the ratios measure the chunking.", output);
        Assert.Contains("note: channels-last convolutions now, planar convolutions in old.json", output);
        Assert.Contains("note: tiered compilation off now, tiered compilation unrecorded in old.json", output);
        Assert.DoesNotContain("recompute", output);
        Assert.Contains(output.Split('\n'), l => l.StartsWith("W1 mlp") && l.Contains("0.10") && l.Contains("n/a"));
    }

    [Fact]
    public void A_report_from_another_or_an_unrecorded_cpu_model_exits_2_before_any_work_unless_told()
    {
        var other = Path.Combine(dir, "other cpu.json");
        File.WriteAllText(other, JsonSerializer.Serialize(Report(Row("W1 mlp", "bptt", 40, 1)) with { Cpu = "Test CPU 0000 (none)" }));
        var (code, output, error) = ConsoleCapture.Snn("bench", "--workloads", "W1", "--modes", "bptt", "--compare", other);
        Assert.Equal(2, code);
        Assert.Contains("Test CPU 0000 (none)", error);
        Assert.Contains(CpuInfo.Describe(), error);
        Assert.Contains("--compare-across-cpus", error);
        Assert.DoesNotContain("[bench]", output);   // refused before the benchmark ran
        var unrecorded = Path.Combine(dir, "unrecorded.json");
        File.WriteAllText(unrecorded, JsonSerializer.Serialize(Report(Row("W1 mlp", "bptt", 40, 1))));
        (code, _, error) = ConsoleCapture.Snn("bench", "--workloads", "W1", "--modes", "bptt", "--compare", unrecorded);
        Assert.Equal(2, code);
        Assert.Contains("records no CPU model", error);

        var before = BenchComparison.Load(other, new JsonSerializerOptions());
        BenchComparison.CheckCpu(before, other, before.Cpu, acrossCpus: false);   // the same model: compared
        BenchComparison.CheckCpu(before, other, CpuInfo.Describe(), acrossCpus: true);
        var now = Report(Row("W1 mlp", "bptt", 20, 1)) with { Cpu = CpuInfo.Describe(), Libtorch = LibraryVersions.Describe() };
        (_, output, _) = ConsoleCapture.Run(() => { BenchComparison.Print(now, before, other); return 0; });
        Assert.Contains($"this run is on {CpuInfo.Describe()}, other cpu.json on Test CPU 0000 (none)", output);
        Assert.Contains("an unrecorded libtorch in other cpu.json", output);
        Assert.Contains(output.Split('\n'), l => l.StartsWith("W1 mlp") && l.Contains("0.50"));
    }

    [Fact]
    public void Ratios_are_now_over_before_per_workload_and_mode()
    {
        var before = Report(Row("W1 mlp", "bptt", 40, 100L << 20), Row("W2 conv-event", "bptt", 80, 60L << 20), Row("W3 alexnet-dvs", "bptt", 2000, null));
        var now = Report(Row("W1 mlp", "bptt", 30, 50L << 20), Row("W2 conv-event", "bptt", 100, 66L << 20), Row("W1 mlp", "tbptt", 35, 10L << 20));
        var path = Path.Combine(dir, "before.json");
        File.WriteAllText(path, JsonSerializer.Serialize(before));
        var loaded = BenchComparison.Load(path, new JsonSerializerOptions());
        var (_, output, _) = ConsoleCapture.Run(() => { BenchComparison.Print(now, loaded, path); return 0; });
        var lines = output.Split('\n');
        Assert.Contains(lines, l => l.StartsWith("W1 mlp") && l.Contains("bptt") && l.Contains("0.75") && l.Contains("0.50"));
        Assert.Contains(lines, l => l.StartsWith("W2 conv-event") && l.Contains("1.25") && l.Contains("1.10"));
        Assert.Contains(lines, l => l.StartsWith("W1 mlp") && l.Contains("tbptt") && l.Contains("not in"));
        Assert.Contains(lines, l => l.StartsWith("W3 alexnet-dvs") && l.Contains("only in"));
    }
}
