using System.CommandLine;
using Snn.Reports;
using Snn.Studies;

namespace Snn.Cli;

/// <summary>`snn study FOLDER`: the pre-registered analysis of a committed study (docs/studies.md) printed as it stands.</summary>
internal static class StudyCommand
{
    public const string Description = """
        Analyse a pre-registered study: FOLDER/plan.json (the plan, StudyPlan) applied to FOLDER/runs.csv (written by
        `snn report RESULTS --experiment NAME --out FOLDER` or eng/study-summary.sh). Prints one summary line per claim
        and setting (supported, contradicted, equivalent or inconclusive, with the effect, its 95 % CI, the Holm-adjusted
        p, n seeds and each arm's optimizer steps), one line per finding and one per contrast. Seeds not run yet are
        listed as missing. Exit 2 when a file is missing or malformed, when a run was made under another plan
        (plan_sha256) or when a pair's runs ran on different CPU models.
        """;

    public static Command Create()
    {
        var folder = new Argument<string>("FOLDER") { Description = "the study's folder (holds plan.json and runs.csv), e.g. results/paper-study" };
        var command = new Command("study", Description) { folder };
        command.SetAction(r => CliSupport.Guarded("snn study", () => Execute(r.GetValue(folder)!)));
        return command;
    }

    private static int Execute(string folder)
    {
        if (!Directory.Exists(folder))
            throw new UsageException($"FOLDER {folder}: folder not found; expected a study folder with {StudyPlan.FileName} and {ReportTable.RunsCsvFile}.");
        var planPath = Path.Combine(folder, StudyPlan.FileName);
        if (!File.Exists(planPath))
            throw new UsageException($"{planPath}: not found; a study without a pre-registered plan has nothing to analyse (docs/studies.md).");
        StudyAnalysis analysis;
        try { analysis = StudyAnalysis.Load(StudyPlan.Load(planPath), folder); }
        catch (Exception e) when (e is StudyPlanException or InvalidDataException or FileNotFoundException) { throw new UsageException(e.Message); }
        foreach (var line in analysis.Describe()) Console.WriteLine(line);
        return 0;
    }
}
