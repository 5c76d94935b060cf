using System.Text.Json;
using Snn.Benchmarks;
using Snn.Cli;
using Snn.Layers;
using Snn.Measurement;
using TorchSharp;
using static TorchSharp.torch;

namespace Snn.Tests;

/// <summary>
/// W4, the open neuromorphic harness's Linear(n, n) + LIF layer: the kit's step against the equations written out in
/// float64 here (no kit code), the bench rows it writes, and `snn bench --workloads W4` on the command line.
/// </summary>
public sealed class LayerWorkloadTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("snn w4 ").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    [Fact]
    public void The_neuron_is_the_harness_where_the_kit_can_express_it()
    {
        var p = LayerWorkload.Neuron;
        Assert.Equal(0.95, p.Beta);
        Assert.Equal(1.0, p.Threshold);
        Assert.Equal(Snn.Neurons.ResetMode.Soft, p.Reset);
        Assert.True(p.DetachReset);
        Assert.Equal(25.0, Assert.IsType<Snn.Neurons.FastSigmoid>(p.Surrogate).Slope);
        Assert.Equal(new[] { 1024, 4096 }, LayerWorkload.DefaultSizes);
        Assert.Equal((500, 16), (LayerWorkload.DefaultTimeSteps, LayerWorkload.DefaultBatch));
    }

    /// <summary>
    /// Spikes, and the gradients of loss = Σ spikes with respect to input, weight and bias, against the recurrence written
    /// out from the equations in plain doubles: I = x·Wᵀ + b; u[0] = I[0], u[t] = β·u[t−1] − θ·s[t−1] + I[t];
    /// s = H(u − θ) with H(0) = 1; backward through ∂s/∂u = 1 / (1 + 25·|u − θ|)² and ∂u[t]/∂u[t−1] = β (reset detached).
    /// Also with the layer recomputing its window in segments (<see cref="Stage.RecomputeSegment"/>; 30 = 4·7 + 2 steps).
    /// </summary>
    [Theory]
    [InlineData(null)]
    [InlineData(7)]
    [InlineData(1)]
    public void Spikes_and_gradients_equal_the_equations_in_float64(int? recompute)
    {
        const int n = 12, steps = 30, batch = 3;
        var w = new LayerWorkload(n, steps, batch);
        using var scope = torch.NewDisposeScope();
        using var layer = w.Build(seed: 7);
        layer.to(ScalarType.Float64);
        layer.RecomputeSegment = recompute;
        var input = w.Input(seed: 5).to(ScalarType.Float64).requires_grad_();
        var spikes = LayerWorkload.Step(layer, input);

        var weight = layer.Weight;
        var bias = layer.Synapse.named_parameters().Single(p => p.name.EndsWith("bias", StringComparison.Ordinal)).parameter;
        var (W, b, x) = (Doubles(weight), Doubles(bias), Doubles(input));
        const double beta = 0.95, theta = 1.0, slope = 25.0;
        var u = new double[steps * batch * n];
        var s = new double[steps * batch * n];
        for (var t = 0; t < steps; t++)
            for (var i = 0; i < batch; i++)
                for (var j = 0; j < n; j++)
                {
                    var current = b[j];
                    for (var k = 0; k < n; k++) current += W[j * n + k] * x[(t * batch + i) * n + k];
                    var at = (t * batch + i) * n + j;
                    var before = at - batch * n;
                    u[at] = t == 0 ? current : beta * u[before] - theta * s[before] + current;
                    s[at] = u[at] - theta >= 0 ? 1 : 0;
                }
        var g = new double[u.Length];   // ∂loss/∂u = ∂loss/∂I
        for (var t = steps - 1; t >= 0; t--)
            for (var at = t * batch * n; at < (t + 1) * batch * n; at++)
            {
                var surrogate = 1 / Math.Pow(1 + slope * Math.Abs(u[at] - theta), 2);
                g[at] = surrogate + (t + 1 < steps ? beta * g[at + batch * n] : 0);
            }
        var (dW, db, dx) = (new double[n * n], new double[n], new double[x.Length]);
        for (var r = 0; r < steps * batch; r++)
            for (var j = 0; j < n; j++)
            {
                var gj = g[r * n + j];
                db[j] += gj;
                for (var k = 0; k < n; k++)
                {
                    dW[j * n + k] += gj * x[r * n + k];
                    dx[r * n + k] += gj * W[j * n + k];
                }
            }

        var rate = s.Average();
        Assert.True(rate is > 0.05 and < 0.6, $"firing rate {rate:F3}: the check needs spikes and silence");
        Assert.Equal(s, Doubles(spikes));
        AssertClose(dW, Doubles(weight.grad!), "weight");
        AssertClose(db, Doubles(bias.grad!), "bias");
        AssertClose(dx, Doubles(input.grad!), "input");
    }

    private static double[] Doubles(Tensor t) => t.detach().to_type(ScalarType.Float64).contiguous().data<double>().ToArray();

    private static void AssertClose(double[] expected, double[] actual, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        var scale = expected.Max(Math.Abs);
        for (var i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-12 * scale, $"{what}[{i}]: expected {expected[i]:R}, got {actual[i]:R}");
    }

    /// <summary>
    /// The exact counter on one step of a W4 layer (T = 60, batch 8, n = 256; one float per neuron and step is 480 KiB):
    /// the default layer holds its folded currents, spikes, saved u − θ and TorchSharp's output-sized cache of the node at
    /// once (4 of them: reads 3.99–4.02, so ≥ 3.9 leaves the counter's baseline, which moves by up to 1 % between steps, its
    /// room); recomputing in segments of 10 steps holds the spikes and that cache (&lt; 2.6: two, the weights and their
    /// gradients, and segment-sized buffers).
    /// </summary>
    [Fact]
    public void Recomputing_the_window_keeps_the_step_peak_near_two_floats_per_neuron_and_step()
    {
        Assert.SkipUnless(MemoryMeter.HasAllocatorCounter, MemoryMeterTests.NoCounter);   // ./test.sh preloads the counter
        var w = new LayerWorkload(256, 60, 8);
        const double perNeuronStep = 60.0 * 8 * 256 * 4;
        double Peak(int? recompute)
        {
            using var scope = torch.NewDisposeScope();
            using var layer = w.Build();
            layer.RecomputeSegment = recompute;
            return Bench.PeakLayerStepBytes(layer, w.Input()).Best!.Value / perNeuronStep;
        }
        var standard = Peak(null);
        var recomputed = Peak(10);
        Assert.True(standard >= 3.9, $"default layer: {standard:F2} floats per neuron and step");
        Assert.True(recomputed is >= 2.0 and < 2.6, $"recomputing layer: {recomputed:F2} floats per neuron and step (default {standard:F2})");
    }

    [Theory]
    [InlineData(null)]
    [InlineData(3)]
    public void A_bench_step_drops_its_gradients_and_leaves_no_tensors_behind(int? recompute)
    {
        var w = new LayerWorkload(16, 8, 2);
        using var scope = torch.NewDisposeScope();
        using var layer = w.Build();
        layer.RecomputeSegment = recompute;
        var input = w.Input();
        var step = Bench.LayerStep(layer, input);
        step();
        Assert.All(layer.parameters(), p => Assert.Null(p.grad));   // zero_grad(set_to_none), as the harness does
        var stats = DisposeScopeManager.Statistics;
        var before = stats.ThreadTotalLiveCount;
        for (var i = 0; i < 3; i++) step();
        Assert.Equal(before, stats.ThreadTotalLiveCount);
    }

    [Fact]
    public void The_bench_phases_write_one_W4_row_per_size_with_forward_backward_and_peak()
    {
        var layers = LayerWorkload.For([24, 40, 24], timeSteps: 20, batch: 4);
        Assert.Equal(new[] { 24, 40 }, layers.Select(l => l.Neurons));
        var time = BenchRun.Time([], [], warmup: 1, steps: 2, "cpu", BenchSetup.Default, "default", _ => { }, layers);
        var memory = BenchRun.Memory([], [], BenchSetup.Default, _ => { }, layers);
        var report = time.WithMemory(memory, 1);
        Assert.Equal(new[] { "n=24", "n=40" }, report.Rows.Select(r => r.Plan));
        foreach (var (row, w) in report.Rows.Zip(layers))
        {
            Assert.Equal((LayerWorkload.Id, LayerWorkload.Mode, 20, 4), (row.Workload, row.Mode, row.TimeSteps, row.Batch));
            Assert.True(row.ForwardMs > 0 && row.BackwardMs > 0 && row.MedianMs > 0);
            Assert.Equal(2.0 * 20 * 4 * w.Neurons * w.Neurons, row.Macs);
            Assert.True(double.IsNaN(row.ModelPeakBytes) && row.PeakRatio is null);   // not modelled
            var rate = Assert.Single(row.FiringRates);
            Assert.True(rate is > 0 and < 1, $"firing rate {rate}");
            Assert.True(row.MeasuredPeakBytes > 0);
            // With the exact counter: at least the folded currents, spikes and saved u − θ (float32 each) live at once.
            if (MemoryMeter.HasAllocatorCounter) Assert.True(row.MeasuredPeakBytes >= 3L * 20 * 4 * w.Neurons * 4, $"{row.Plan}: {row.MeasuredPeakBytes} B");
        }
    }

    [Fact]
    public void The_bench_command_runs_W4_in_its_child_processes_and_writes_its_row()
    {
        var json = Path.Combine(dir, "w4 bench.json");
        using var snn = SnnProcess.Start(["bench", "--workload", "W4", "--w4-n", "64", "--w4-t", "20", "--steps", "1", "--warmup", "1", "--json", json]);
        var (code, output, error) = snn.WaitForExit(TimeSpan.FromMinutes(5));
        Assert.True(code == 0, $"exit {code}\n{output}\n{error}");
        Assert.Contains("W4 on-harness", output);
        using var doc = JsonDocument.Parse(File.ReadAllText(json));
        var row = Assert.Single(doc.RootElement.GetProperty("Rows").EnumerateArray().ToList());
        Assert.Equal("W4", row.GetProperty("Workload").GetString());
        Assert.Equal("fwd-bwd", row.GetProperty("Mode").GetString());
        Assert.Equal("n=64", row.GetProperty("Plan").GetString());
        Assert.Equal(20, row.GetProperty("TimeSteps").GetInt32());
        Assert.Equal(16, row.GetProperty("Batch").GetInt32());
        Assert.True(row.GetProperty("ForwardMs").GetDouble() > 0);
        Assert.True(row.GetProperty("MeasuredPeakBytes").GetInt64() > 0);
    }

    [Theory]
    [InlineData("--w4-n", "bench --workloads W4 --w4-n 0")]
    [InlineData("--w4-n", "bench --workloads W4 --w4-n 64,x")]
    [InlineData("--w4-n", "bench --workloads W4 --w4-n ,")]
    [InlineData("--w4-t", "bench --workloads W4 --w4-t 0")]
    [InlineData("--w4-batch", "bench --workloads W4 --w4-batch -1")]
    [InlineData("--w4-n", "bench --w4-n 64")]
    [InlineData("--w4-t", "bench --workloads W1 --w4-t 20")]
    [InlineData("--sweep", "bench --workloads W4 --sweep")]
    [InlineData("--recompute", "bench --workloads W1,W4 --recompute 2 --precision bf16")]
    public void Bad_W4_usage_exits_2_naming_the_option_before_any_work(string named, string commandLine)
    {
        var (code, output, error) = ConsoleCapture.Snn(commandLine.Split(' '));
        Assert.Equal(2, code);
        Assert.Contains(named, error);
        Assert.DoesNotContain("[bench]", output);
    }

    [Fact]
    public void The_child_runs_get_W4_and_its_sizes_and_the_default_set_stays_W1_to_W3()
    {
        var settings = new BenchCommand.Settings([Workload.W1], ["bptt"], 3, 1, null, null, false, false, null, Layers: LayerWorkload.For(null));
        var expected = new[] { "bench", "--workloads", "W1,W4", "--modes", "bptt", "--steps", "3", "--warmup", "1",
            "--w4-n", "1024,4096", "--w4-t", "500", "--w4-batch", "16", "--phase", "time", "--json", "t.json" };
        Assert.Equal(expected, BenchChild.Arguments(settings, "time", "t.json"));
        var (code, output, _) = ConsoleCapture.Snn("bench", "--help");
        Assert.Equal(0, code);
        Assert.Contains("[default: W1,W2,W3]", output);
        Assert.Contains("--w4-n", output);
    }
}
