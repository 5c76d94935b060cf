using System.Globalization;
using Snn.Studies;

namespace Snn.Tests;

/// <summary>`snn study FOLDER`: the pre-registered analysis from the command line, and its refusals as exit 2.</summary>
public sealed class CliStudyTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("snn study ").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    private const string Plan = """
        { "study": "cli", "alpha": 0.05, "margin": 0.005, "seeds": [0, 1, 2, 3, 4, 5],
          "arms": { "bptt": { "arm": "bptt" }, "tbptt": { "arm": "tbptt" } },
          "settings": { "frames": { "dataset.name": "fashion-mnist" } },
          "contrasts": [ { "id": "C1-frames", "claim": "C1", "setting": "frames", "treatment": "tbptt", "control": "bptt",
                           "metric": "final_test_accuracy", "expected": -1 } ] }
        """;

    // Five seeds with TBPTT 2 pt below BPTT (± 0.1 pt), one seed not run yet.
    private string Write(string? otherPlanHash = null, string? secondCpu = null)
    {
        File.WriteAllText(Path.Combine(dir, "plan.json"), Plan);
        var hash = otherPlanHash ?? StudyPlan.Load(Path.Combine(dir, "plan.json")).Sha256;
        var lines = new List<string> { "status,run_id,seed,arm,dataset.name,final_test_accuracy,optimizer_steps,cpu,plan_sha256" };
        for (var seed = 0; seed < 5; seed++)
        {
            var bptt = 0.80 + 0.01 * seed;
            var tbptt = bptt - 0.02 + 0.001 * (seed % 2 == 0 ? 1 : -1);
            string Row(string arm, double accuracy, string cpu) => string.Join(',', "finished", $"{arm}-{seed}", seed.ToString(CultureInfo.InvariantCulture), arm,
                "fashion-mnist", accuracy.ToString("R", CultureInfo.InvariantCulture), "360", cpu, hash);
            lines.Add(Row("bptt", bptt, "CPU A"));
            lines.Add(Row("tbptt", tbptt, seed == 3 && secondCpu is not null ? secondCpu : "CPU A"));
        }
        File.WriteAllText(Path.Combine(dir, "runs.csv"), string.Join('\n', lines) + "\n");
        return dir;
    }

    [Fact]
    public void Prints_the_verdict_line_per_claim_with_n_and_steps()
    {
        var (code, output, error) = ConsoleCapture.Snn("study", Write());
        Assert.True(code == 0, error);
        var summary = Assert.Single(output.Split('\n'), l => l.StartsWith("summary: C1 frames:", StringComparison.Ordinal));
        Assert.Contains("supported", summary);
        Assert.Contains("−1.98 pt", summary);   // mean of −1.9, −2.1, −1.9, −2.1, −1.9
        Assert.Contains("n = 5", summary);
        Assert.Contains("360", summary);
    }

    [Fact]
    public void Runs_of_another_plan_or_a_mixed_cpu_pair_exit_2_naming_the_cause()
    {
        var (code, _, error) = ConsoleCapture.Snn("study", Write(otherPlanHash: new string('0', 64)));
        Assert.Equal(2, code);
        Assert.Contains("plan", error);
        Assert.Contains(new string('0', 64), error);

        (code, _, error) = ConsoleCapture.Snn("study", Write(secondCpu: "CPU B"));
        Assert.Equal(2, code);
        Assert.Contains("CPU B", error);

        (code, _, error) = ConsoleCapture.Snn("study", Path.Combine(dir, "absent"));
        Assert.Equal(2, code);
        Assert.Contains("folder not found", error);
    }
}
