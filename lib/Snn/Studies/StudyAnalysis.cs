using System.Globalization;
using Snn.Reports;

namespace Snn.Studies;

/// <summary>
/// The pre-registered analysis of a study: a <see cref="StudyPlan"/> applied to the rows of its runs.csv. Per contrast
/// the per-seed paired differences within its setting, the paired t-test and TOST (<see cref="StudyStatistics"/>),
/// Holm-adjusted within the contrast's family, and a verdict; per claim × setting the verdicts of its contrasts
/// combined. Only rows with status "finished" and a seed listed in the plan count; a plan seed without a finished run
/// of every arm is reported as missing (n is smaller), not an error.
/// <para>Refused with <see cref="InvalidDataException"/>: a row whose plan_sha256 is not <see cref="StudyPlan.Sha256"/>
/// (a results folder made under another pre-registration); a paired difference whose runs have different cpu models;
/// a run matching two arms of one contrast; two finished runs of one arm, setting and seed; a finished run without a
/// number in the metric or optimizer_steps column, or without its cpu; a selector naming a column the table lacks.</para>
/// </summary>
public sealed class StudyAnalysis
{
    public const string PlanHashColumn = "plan_sha256";
    public const string CpuColumn = "cpu";
    public const string StepsColumn = "optimizer_steps";

    public const string PathColumn = "path";

    private StudyAnalysis(StudyPlan plan, string source, int rows, int finished, IReadOnlyList<ContrastResult> contrasts,
        IReadOnlyList<ClaimResult> claims, IReadOnlyList<ArmSummary> arms) =>
        (Plan, Source, Rows, FinishedRows, Contrasts, Claims, Arms) = (plan, source, rows, finished, contrasts, claims, arms);

    public StudyPlan Plan { get; }

    /// <summary>The runs table read (or "(rows)").</summary>
    public string Source { get; }

    public int Rows { get; }

    public int FinishedRows { get; }

    /// <summary>Every contrast of the plan, in plan order.</summary>
    public IReadOnlyList<ContrastResult> Contrasts { get; }

    /// <summary>One per claim and setting, in order of the claim's first contrast.</summary>
    public IReadOnlyList<ClaimResult> Claims { get; }

    /// <summary>Every arm with a finished run in a setting, settings and arms in plan order (seeds as in the contrasts: the plan's).</summary>
    public IReadOnlyList<ArmSummary> Arms { get; }

    /// <summary>The distinct CPU models of the finished runs, in order of first appearance.</summary>
    public IReadOnlyList<string> CpuModels { get; private init; } = [];

    /// <summary>Seeds (of the plan's) with a finished run of every arm the plan names in some setting: the complete seeds so far.</summary>
    public IReadOnlyList<int> CompleteSeeds => Plan.Seeds.Where(seed => Contrasts.All(c => c.Seeds.Contains(seed))).ToList();

    /// <summary>
    /// The learning curve of every arm in <see cref="Arms"/>, read from RESULTS/PATH/epochs.csv of its runs (PATH: runs.csv's
    /// "path" column, relative to <paramref name="resultsRoot"/>). An epoch enters the mean over the seeds that evaluated
    /// it (a study may evaluate every n-th epoch only). A run whose epochs.csv is missing is named in the exception.
    /// </summary>
    public IReadOnlyList<ArmCurve> LearningCurves(string resultsRoot)
    {
        ArgumentNullException.ThrowIfNull(resultsRoot);
        var curves = new List<ArmCurve>();
        foreach (var arm in Arms)
        {
            var points = new SortedDictionary<int, (List<double> Accuracies, long Steps)>();
            var lastChanges = new List<double>();
            foreach (var run in arm.Runs)
            {
                if (run.Path.Length == 0)
                    throw new InvalidDataException($"{Source}: a finished run of {arm.Arm} ({arm.Setting}) has no '{PathColumn}'; "
                        + "expected the run folder relative to the results root.");
                var file = Path.Combine(resultsRoot, run.Path, "epochs.csv");
                if (!File.Exists(file))
                    throw new FileNotFoundException($"{file}: not found; expected the epochs.csv of run {run.Path} ({arm.Arm}, {arm.Setting}).", file);
                var epochs = RunRecord.ReadEpochs(file);
                if (epochs.Count == 0) continue;
                var stepsPerEpoch = (double)run.OptimizerSteps / epochs[^1].Epoch;
                var evaluated = epochs.Where(e => e.TestAccuracy is not null).ToList();
                if (evaluated.Count >= 2) lastChanges.Add(Math.Abs(evaluated[^1].TestAccuracy!.Value - evaluated[^2].TestAccuracy!.Value));
                foreach (var e in evaluated)
                {
                    if (!points.TryGetValue(e.Epoch, out var p)) points[e.Epoch] = p = ([], (long)Math.Round(stepsPerEpoch * e.Epoch));
                    p.Accuracies.Add(e.TestAccuracy!.Value);
                }
            }
            curves.Add(new ArmCurve(arm.Setting, arm.Arm,
                points.Select(kv => new ArmCurvePoint(kv.Key, kv.Value.Steps, MeanStd.Of(kv.Value.Accuracies)!.Value)).ToList(), lastChanges));
        }
        return curves;
    }

    /// <summary>Reads FOLDER/runs.csv and analyses it under <paramref name="plan"/>.</summary>
    public static StudyAnalysis Load(StudyPlan plan, string folder)
    {
        var path = Path.Combine(folder, ReportTable.RunsCsvFile);
        if (!File.Exists(path)) throw new FileNotFoundException($"{path} not found: expected the runs.csv of the study.", path);
        return Run(plan, File.ReadAllText(path), path);
    }

    /// <summary>Analyses the text of a runs.csv (a header, then one row per run).</summary>
    public static StudyAnalysis Run(StudyPlan plan, string runsCsv, string source = "(text)")
    {
        ArgumentNullException.ThrowIfNull(runsCsv);
        var records = CsvText.Parse(runsCsv, source);
        if (records.Count == 0) throw new InvalidDataException($"{source}: empty; expected a header, then one row per run.");
        var header = records[0];
        var rows = new List<IReadOnlyDictionary<string, string>>();
        for (var r = 1; r < records.Count; r++)
        {
            if (records[r].Length != header.Length)
                throw new InvalidDataException($"{source}, row {r}: {records[r].Length} cells but the header has {header.Length}.");
            var row = new Dictionary<string, string>(StringComparer.Ordinal);
            for (var c = 0; c < header.Length; c++) row[header[c]] = records[r][c];
            rows.Add(row);
        }
        return Run(plan, rows, source);
    }

    /// <summary>Analyses runs given as column → cell maps (the rows of a runs.csv).</summary>
    public static StudyAnalysis Run(StudyPlan plan, IReadOnlyList<IReadOnlyDictionary<string, string>> runRows, string source = "(rows)")
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(runRows);
        for (var r = 0; r < runRows.Count; r++)
        {
            var row = runRows[r];
            var hash = row.GetValueOrDefault(PlanHashColumn)
                ?? throw new InvalidDataException($"{source}: run {RunId(row, r)} has no '{PlanHashColumn}' column; "
                    + $"expected every run to record the SHA-256 of the plan.json it was made under ({plan.Source}: {plan.Sha256}).");
            // A run not finished (missing, or in flight: its environment is written when its session ends) has no result
            // yet and may not have recorded a hash; a recorded hash must be the plan's all the same.
            var finishedRow = row.GetValueOrDefault("status") == ResultsScan.Describe(RunStatus.Finished);
            if ((finishedRow || hash.Length > 0) && !string.Equals(hash, plan.Sha256, StringComparison.OrdinalIgnoreCase))
                throw new InvalidDataException($"{source}: run {RunId(row, r)} was made under plan {(hash.Length == 0 ? "(none recorded)" : hash)}, "
                    + $"not under {plan.Source} ({plan.Sha256}); refusing results of another pre-registration.");
        }
        var finished = runRows.Select((row, index) => (row, index))
            .Where(x => Cell(x.row, "status", x.index, source) == ResultsScan.Describe(RunStatus.Finished)).ToList();

        var evaluated = plan.Contrasts.Select(c => Evaluate(plan, c, finished, source)).ToList();
        var adjusted = new (double P, double Tost)[evaluated.Count];
        foreach (var family in evaluated.Select((e, i) => (e, i)).GroupBy(x => x.e.Contrast.Family, StringComparer.Ordinal))
        {
            var members = family.ToList();
            var p = StudyStatistics.Holm(members.Select(x => x.e.Test.PValue).ToList());
            var tost = StudyStatistics.Holm(members.Select(x => x.e.Test.TostPValue).ToList());
            for (var k = 0; k < members.Count; k++) adjusted[members[k].i] = (p[k], tost[k]);
        }
        var results = evaluated.Select((e, i) =>
        {
            var (p, tost) = adjusted[i];
            return e with
            {
                AdjustedP = p,
                AdjustedTostP = tost,
                Verdict = e.Contrast.Expected == 0 ? null : StudyStatistics.Judge(e.Contrast.Expected, e.Test.Mean, p, tost, plan.Alpha),
                FindingVerdict = e.Contrast.Expected == 0 ? StudyStatistics.JudgeFinding(p, tost, plan.Alpha) : null,
            };
        }).ToList();
        var claims = results.Where(c => c.Contrast.Claim is not null)
            .GroupBy(c => (Claim: c.Contrast.Claim!, c.Contrast.Setting))
            .Select(g =>
            {
                var combination = plan.CombinationOf(g.Key.Claim);
                var parts = g.ToList();
                var verdict = StudyStatistics.Combine(parts.Select(p => p.Verdict!.Value).ToList(), combination);
                return new ClaimResult(g.Key.Claim, g.Key.Setting, combination, verdict, parts);
            }).ToList();
        var arms = SummarizeArms(plan, finished, source);
        return new StudyAnalysis(plan, source, runRows.Count, finished.Count, results, claims, arms)
        {
            CpuModels = [.. finished.Select(f => f.row.GetValueOrDefault(CpuColumn) ?? "").Where(c => c.Length > 0).Distinct()],
        };
    }

    /// <summary>
    /// The report: a header line, one "summary: …" line per claim × setting, one "finding: …" line per contrast without a
    /// claim, then one "contrast …" line per contrast with all its numbers and missing seeds.
    /// </summary>
    public IReadOnlyList<string> Describe()
    {
        var lines = new List<string>
        {
            $"study {Plan.Study}: plan {Plan.Source} (sha256 {Plan.Sha256}), alpha = {Plan.Alpha.ToString(CultureInfo.InvariantCulture)}, "
            + $"Holm within each family, {Plan.Seeds.Count} seeds; {Source}: {Rows} rows, {FinishedRows} finished",
        };
        lines.AddRange(Claims.Select(c => c.Describe()));
        lines.AddRange(Contrasts.Where(c => c.Contrast.Claim is null).Select(c => $"finding: {c.Id} {c.Contrast.Setting}: {c.Word}, {c.Summary}"));
        lines.AddRange(Contrasts.Select(c => c.Describe()));
        return lines;
    }

    // The per-seed differences and statistics of one contrast, before the family's adjustment.
    private static ContrastResult Evaluate(
        StudyPlan plan, StudyContrast contrast, List<(IReadOnlyDictionary<string, string> Row, int Index)> finished, string source)
    {
        var at = $"{source}, contrast {contrast.Id}";
        bool Matches(RunSelector selector, string key, IReadOnlyDictionary<string, string> row)
        {
            try { return selector.Matches(row); }
            catch (KeyNotFoundException e) { throw new InvalidDataException($"{at}: {plan.Source} {key}: {e.Message}"); }
        }
        var setting = plan.Settings[contrast.Setting];
        var byArm = contrast.Arms.ToDictionary(
            a => a, _ => new Dictionary<int, (IReadOnlyDictionary<string, string> Row, int Index)>(), StringComparer.Ordinal);
        foreach (var (row, index) in finished)
        {
            if (!Matches(setting, $"settings.{contrast.Setting}", row)) continue;
            var arms = contrast.Arms.Where(a => Matches(plan.Arms[a], $"arms.{a}", row)).ToList();
            if (arms.Count == 0) continue;
            if (arms.Count > 1)
                throw new InvalidDataException($"{at}: run {RunId(row, index)} matches arms {string.Join(" and ", arms)}; "
                    + "expected each run to belong to at most one arm of a contrast (make the arms' selectors exclusive).");
            var seed = SeedOf(row, index, source);
            if (!plan.Seeds.Contains(seed)) continue;
            if (byArm[arms[0]].TryGetValue(seed, out var first))
                throw new InvalidDataException($"{at}: runs {RunId(first.Row, first.Index)} and {RunId(row, index)} are both arm {arms[0]}, seed {seed}, "
                    + $"setting {contrast.Setting}; expected one finished run per arm and seed.");
            byArm[arms[0]][seed] = (row, index);
        }

        var seeds = new List<int>();
        var differences = new List<double>();
        var missing = new List<string>();
        var steps = contrast.Arms.ToDictionary(a => a, _ => new SortedSet<long>(), StringComparer.Ordinal);
        foreach (var seed in plan.Seeds)
        {
            var absent = contrast.Arms.Where(a => !byArm[a].ContainsKey(seed)).ToList();
            if (absent.Count > 0)
            {
                missing.Add($"seed {seed}: no finished run of {string.Join(", ", absent)}");
                continue;
            }
            var runs = contrast.Arms.Select(a => (Arm: a, byArm[a][seed].Row, byArm[a][seed].Index)).ToList();
            var cpus = runs.Select(r => (r.Arm, r.Row, r.Index, Cpu: Cell(r.Row, CpuColumn, r.Index, source))).ToList();
            foreach (var c in cpus)
                if (c.Cpu.Length == 0) throw new InvalidDataException($"{source}: run {RunId(c.Row, c.Index)} has no CPU model in column '{CpuColumn}'.");
            if (cpus.FirstOrDefault(c => c.Cpu != cpus[0].Cpu) is { Row: not null } other)
                throw new InvalidDataException($"{at}, seed {seed}: a paired difference mixes CPU models: "
                    + $"run {RunId(cpus[0].Row, cpus[0].Index)} ({cpus[0].Arm}) ran on '{cpus[0].Cpu}', "
                    + $"run {RunId(other.Row, other.Index)} ({other.Arm}) on '{other.Cpu}'; expected the runs of a pair on one CPU model.");
            double Value(string arm) => Number(byArm[arm][seed].Row, contrast.Metric, byArm[arm][seed].Index, source);
            differences.Add(contrast.Terms.Sum(t => t.Sign * t.Arms.Average(Value)));
            seeds.Add(seed);
            foreach (var r in runs) steps[r.Arm].Add((long)Number(r.Row, StepsColumn, r.Index, source));
        }
        var stepsByArm = steps.ToDictionary(kv => kv.Key, kv => (IReadOnlyList<long>)kv.Value.ToList(), StringComparer.Ordinal);
        return new ContrastResult(contrast, seeds, differences, missing, StudyStatistics.Paired(differences, contrast.Margin),
            double.NaN, double.NaN, null, null, stepsByArm);
    }

    // Every arm's finished runs per setting at the plan's seeds.
    private static List<ArmSummary> SummarizeArms(
        StudyPlan plan, List<(IReadOnlyDictionary<string, string> Row, int Index)> finished, string source)
    {
        var arms = new List<ArmSummary>();
        foreach (var (setting, settingSelector) in plan.Settings)
            foreach (var (arm, armSelector) in plan.Arms)
            {
                var at = $"{source}, arm {arm}, setting {setting}";
                var runs = new SortedDictionary<int, (IReadOnlyDictionary<string, string> Row, int Index)>();
                foreach (var (row, index) in finished)
                {
                    bool matches;
                    try { matches = settingSelector.Matches(row) && armSelector.Matches(row); }
                    catch (KeyNotFoundException e) { throw new InvalidDataException($"{at}: {e.Message}"); }
                    if (!matches) continue;
                    var seed = SeedOf(row, index, source);
                    if (!plan.Seeds.Contains(seed)) continue;
                    if (runs.TryGetValue(seed, out var first))
                        throw new InvalidDataException($"{at}: runs {RunId(first.Row, first.Index)} and {RunId(row, index)} are both seed {seed}; "
                            + "expected one finished run per arm and seed.");
                    runs[seed] = (row, index);
                }
                if (runs.Count == 0) continue;
                MeanStd? Optional(string column) => MeanStd.Of(runs.Values
                    .Where(r => r.Row.TryGetValue(column, out var c) && c.Length > 0).Select(r => Number(r.Row, column, r.Index, source)));
                arms.Add(new ArmSummary(setting, arm,
                    [.. runs.Select(kv => new ArmRun(kv.Key, kv.Value.Row.GetValueOrDefault(PathColumn) ?? "",
                        (long)Number(kv.Value.Row, StepsColumn, kv.Value.Index, source)))],
                    MeanStd.Of(runs.Values.Select(r => Number(r.Row, "final_test_accuracy", r.Index, source)))!.Value,
                    Optional("clean_train_accuracy"), Optional("clean_train_test_gap"), Optional("peak_step_bytes")));
            }
        return arms;
    }

    private static int SeedOf(IReadOnlyDictionary<string, string> row, int index, string source)
    {
        var cell = Cell(row, "seed", index, source);
        return int.TryParse(cell, NumberStyles.Integer, CultureInfo.InvariantCulture, out var seed) ? seed
            : throw new InvalidDataException($"{source}: run {RunId(row, index)}: seed '{cell}' is not an integer.");
    }

    private static string RunId(IReadOnlyDictionary<string, string> row, int index) =>
        row.TryGetValue("run_id", out var id) && id.Length > 0 ? id : $"(row {index + 1}, no run_id)";

    private static string Cell(IReadOnlyDictionary<string, string> row, string column, int index, string source) =>
        row.TryGetValue(column, out var cell) ? cell
            : throw new InvalidDataException($"{source}: run {RunId(row, index)} has no '{column}' column; expected the runs.csv layout of a study.");

    private static double Number(IReadOnlyDictionary<string, string> row, string column, int index, string source)
    {
        var cell = Cell(row, column, index, source);
        return double.TryParse(cell, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && double.IsFinite(v) ? v
            : throw new InvalidDataException($"{source}: finished run {RunId(row, index)} needs a number in column '{column}'; got '{cell}'.");
    }
}
