using System.Security.Cryptography;
using Snn.Experiments;
using Snn.Layers;
using Snn.Measurement;
using Snn.Reports;
using Snn.Studies;

namespace Snn.Tests;

/// <summary>
/// What a run of a pre-registered study records for its analysis (docs/studies.md): the SHA-256 of the plan.json in
/// force when it ran, the CPU model and the kernel decisions, carried into runs.csv where StudyAnalysis reads them.
/// </summary>
public sealed class StudyRecordingTests : IDisposable
{
    private readonly string root = Directory.CreateTempSubdirectory("snn study recording ").FullName;

    public void Dispose() => Directory.Delete(root, recursive: true);

    private static Dictionary<string, string>[] Rows(string csv)
    {
        var records = CsvText.Parse(csv, "runs.csv");
        return [.. records.Skip(1).Select(r => records[0].Zip(r).ToDictionary(p => p.First, p => p.Second))];
    }

    [Fact]
    public void A_run_records_the_plan_hash_cpu_and_kernels_into_runs_csv()
    {
        var config = ExperimentConfig.Parse(ExperimentConfigTests.Synthetic("\"arm\": \"bptt\""));
        var plan = Path.Combine(root, config.Experiment, ExperimentRunner.PreregistrationFile);
        Directory.CreateDirectory(Path.GetDirectoryName(plan)!);
        var bytes = "{ \"study\": \"unit\" }\n"u8.ToArray();
        File.WriteAllBytes(plan, bytes);
        new ExperimentRunner(config, root).Run();
        // Without a plan.json the column stays empty (another experiment, same root).
        var free = ExperimentConfig.Parse(ExperimentConfigTests.Synthetic().Replace("\"experiment\": \"unit\"", "\"experiment\": \"free\""));
        new ExperimentRunner(free, root).Run();

        var rows = Rows(ReportTable.Build(ResultsScan.Of(root).Runs).RunsCsv(root));
        var study = rows.Single(r => r["experiment"] == config.Experiment);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(bytes)), study[StudyAnalysis.PlanHashColumn]);
        Assert.Equal(CpuInfo.Describe(), study[StudyAnalysis.CpuColumn]);
        Assert.Equal(SynapseKernelPolicy.Cpu.Describe(), study["kernels"]);
        Assert.Equal("bptt", study["arm"]);
        Assert.Equal("", rows.Single(r => r["experiment"] == "free")[StudyAnalysis.PlanHashColumn]);
    }

    [Fact]
    public void A_run_resumed_on_another_cpu_model_shows_both()
    {
        var config = ExperimentConfig.Parse(ExperimentConfigTests.Synthetic());
        var run = new ExperimentRunner(config, root).Run();
        var environment = Path.Combine(run.Directory, ExperimentRunner.EnvironmentFile);
        var line = File.ReadAllLines(environment)[0];
        File.AppendAllText(environment, line.Replace(CpuInfo.Describe(), "AMD EPYC 9B14 (avx2 avx512f avx512_bf16)") + "\n");
        var record = RunRecord.Read(run.Directory);
        Assert.Equal($"{CpuInfo.Describe()} + AMD EPYC 9B14 (avx2 avx512f avx512_bf16)", record.Cpu);
    }

    [Fact]
    public void The_cpu_model_is_read_from_the_machine()
    {
        Assert.False(string.IsNullOrWhiteSpace(CpuInfo.Model));
        if (File.Exists("/proc/cpuinfo"))
        {
            var model = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal));
            if (model is not null) Assert.Equal(model[(model.IndexOf(':') + 1)..].Trim(), CpuInfo.Model);
            var flags = File.ReadLines("/proc/cpuinfo").First(l => l.StartsWith("flags", StringComparison.Ordinal)).Split(' ');
            Assert.Equal(flags.Contains("avx512_bf16"), CpuInfo.Flags.Contains("avx512_bf16"));
        }
    }
}
