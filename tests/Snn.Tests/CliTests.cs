using System.Buffers.Binary;
using System.Text.Json;
using Snn.Cli;
using Snn.Costs;
using Snn.Benchmarks;
using Snn.Measurement;

namespace Snn.Tests;

/// <summary>The `snn` commands, called in-process: results a user already has are never replaced.</summary>
public sealed class CliTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("snn-cli-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    private static (int Code, string Error) Capture(Func<int> run)
    {
        var previous = Console.Error;
        using var error = new StringWriter();
        Console.SetError(error);
        try { return (run(), error.ToString()); }
        finally { Console.SetError(previous); }
    }

    [Fact]
    public void Bench_refuses_to_replace_an_existing_json_and_rejects_unknown_modes()
    {
        var json = Path.Combine(dir, "bench.json");
        File.WriteAllText(json, "earlier results");
        var (code, error) = Capture(() => BenchCommand.Run(["--workloads", "W1", "--json", json]));
        Assert.Equal(2, code);
        Assert.Contains("--force", error);
        Assert.Equal("earlier results", File.ReadAllText(json));

        (code, error) = Capture(() => BenchCommand.Run(["--modes", "bptt,fastest"]));
        Assert.Equal(2, code);
        Assert.Contains("fastest", error);
    }

    [Fact]
    public void Bench_sweep_measures_every_plan_and_matches_the_model()
    {
        var json = Path.Combine(dir, "sweep.json");
        var (code, error) = Capture(() => BenchCommand.Run(["--phase", "sweep", "--workloads", "W1", "--json", json]));
        Assert.True(code == 0, error);
        using var doc = JsonDocument.Parse(File.ReadAllText(json));
        var rows = doc.RootElement.GetProperty("Rows").EnumerateArray().ToList();
        Assert.Equal(Workload.W1.SweepPlans().Count, rows.Count);   // K ∈ {25, 12, 5, 1} × B ∈ {all, 1}
        foreach (var row in rows)
        {
            var model = row.GetProperty("ModelPeakBytes").GetDouble();
            Assert.True(model > 0);
            if (!MemoryMeter.HasAllocatorCounter) continue;   // the exact figure only where the counter is preloaded (./test.sh)
            var ratio = row.GetProperty("MeasuredPeakBytes").GetInt64() / model;
            Assert.True(ratio is > 0.75 and < 1.35, $"{row.GetProperty("Plan").GetString()}: measured/model {ratio:F2}");
        }
    }

    /// <summary>IDX files written byte by byte (big-endian header, then unsigned bytes), as in the MNIST format.</summary>
    private static void WriteIdx(string folder, string prefix, int count, int seed)
    {
        var random = new Random(seed);
        var images = new byte[16 + count * 28 * 28];
        BinaryPrimitives.WriteInt32BigEndian(images, 0x0803);
        BinaryPrimitives.WriteInt32BigEndian(images.AsSpan(4), count);
        BinaryPrimitives.WriteInt32BigEndian(images.AsSpan(8), 28);
        BinaryPrimitives.WriteInt32BigEndian(images.AsSpan(12), 28);
        var labels = new byte[8 + count];
        BinaryPrimitives.WriteInt32BigEndian(labels, 0x0801);
        BinaryPrimitives.WriteInt32BigEndian(labels.AsSpan(4), count);
        for (var i = 0; i < count; i++)
        {
            var label = (byte)(i % 10);
            labels[8 + i] = label;
            // A learnable pattern: a bright bar whose row depends on the class, plus noise.
            for (var p = 0; p < 28 * 28; p++)
                images[16 + i * 784 + p] = (byte)(p / 28 == 2 + 2 * label ? 255 : random.Next(0, 40));
        }
        File.WriteAllBytes(Path.Combine(folder, $"{prefix}-images-idx3-ubyte"), images);
        File.WriteAllBytes(Path.Combine(folder, $"{prefix}-labels-idx1-ubyte"), labels);
    }

    [Fact]
    public void Train_writes_its_results_and_never_overwrites_them()
    {
        var data = Directory.CreateDirectory(Path.Combine(dir, "data")).FullName;
        WriteIdx(data, "train", 200, 1);
        WriteIdx(data, "t10k", 100, 2);
        var run = Path.Combine(dir, "run");
        string[] args = ["--data", data, "--out", run, "--spec", "FC64-FC10", "--T", "2", "--epochs", "1", "--batch", "20", "--seed", "3"];
        var (code, error) = Capture(() => TrainCommand.Run(args));
        Assert.True(code == 0, error);
        foreach (var file in new[] { "config.json", "epochs.csv", "summary.json", "checkpoint.bin" })
            Assert.True(File.Exists(Path.Combine(run, file)), $"{file} missing");
        using (var summary = JsonDocument.Parse(File.ReadAllText(Path.Combine(run, "summary.json"))))
            Assert.True(summary.RootElement.GetProperty("testAccuracy").GetDouble() > 0.3, "a class-coded bar should be learnt above chance (10 %)");

        var before = Directory.GetFiles(run).ToDictionary(f => f, File.ReadAllBytes);
        (code, error) = Capture(() => TrainCommand.Run(args));
        Assert.Equal(2, code);
        Assert.Contains("--resume", error);
        foreach (var (file, bytes) in before) Assert.Equal(bytes, File.ReadAllBytes(file));
    }
}
