using System.Globalization;
using Snn.Experiments;
using Snn.Reports;
using Snn.Studies;

namespace Snn.Tests;

/// <summary>
/// The committed study read back (notebook 05): runs.csv text written by hand with known numbers gives the study runs,
/// the per-plan mean ± std over seeds and the accuracy–memory front; what `snn report` writes reads back unchanged.
/// </summary>
public sealed class StudyResultsTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("snn study ").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    private const string Header =
        "status,experiment,run_id,seed,dataset.name,dataset.encoding,dataset.trainSubset,dataset.testSubset,dataset.timeBins,network,T,plan.K,plan.B,plan.blocks,"
        + "plan.update,plan.head,plan.loss,optimizer.lr,optimizer.cosine,epochs,batch,evalBatch,device,epochs_done,final_train_loss,final_train_accuracy,"
        + "final_test_loss,final_test_accuracy,best_test_accuracy,best_epoch,train_test_gap,total_seconds,optimizer_steps,peak_step_bytes,macs,acs,access_bytes,"
        + "modelled_peak_step_bytes,retained_activation_bytes,persistent_bytes,energy_pj,failure,path\n";

    // A row of paper-cpu's runs.csv as `snn report` wrote it (run 2763c76dc07f: K = 5, B = 1, seed 0).
    private const string RealRow =
        "finished,paper-cpu,2763c76dc07f,0,fashion-mnist,direct,2000,1000,,32C5-P2-64C5-P2-FC10,10,5,1,,accumulate,pool-linear,cross-entropy,0.001,true,3,64,500,cpu,"
        + "3,0.803494268655777,0.7125,0.8145502507686615,0.712,0.723,2,0.000500000000000056,322.6758439,96,99950592,590445944,4207411200,358215096,70151296,35389440,"
        + "1013216,6502721422.4,,paper-cpu/2763c76dc07f\n";

    /// <summary>A finished row of the paper-cpu grid: frame data (Fashion-MNIST, 2000/1000) or event data (emulated, 1000/500, 10 bins).</summary>
    private static string Row(bool events, int k, string b, int seed, double test, double train, long peak, double macs)
    {
        var id = $"{(events ? 'e' : 'f')}{k:00}{b,3}{seed:0}00000".Replace(' ', '0')[..12];
        return string.Join(',', "finished", "paper-cpu", id, seed.ToString(CultureInfo.InvariantCulture),
            events ? "emulated-n-fashion-mnist,,1000,500,10" : "fashion-mnist,direct,2000,1000,",
            "32C5-P2-64C5-P2-FC10,10", k.ToString(CultureInfo.InvariantCulture), b, ",accumulate,pool-linear,cross-entropy,0.001,true,3,64,500,cpu,3,0.5",
            train.ToString("R", CultureInfo.InvariantCulture), "0.6", test.ToString("R", CultureInfo.InvariantCulture), test.ToString("R", CultureInfo.InvariantCulture),
            "3", (train - test).ToString("R", CultureInfo.InvariantCulture), "300,96", peak.ToString(CultureInfo.InvariantCulture),
            macs.ToString("R", CultureInfo.InvariantCulture), "4207411200,358215096,70151296,35389440,1013216,6502721422.4,,paper-cpu/" + id) + "\n";
    }

    [Fact]
    public void A_real_row_reads_back_as_its_run_and_reproduces_its_run_id()
    {
        var failed = "failed,paper-cpu,aaaaaaaaaaaa,1,fashion-mnist,direct,2000,1000,,32C5-P2-64C5-P2-FC10,10,2,all,,accumulate,pool-linear,cross-entropy,0.001,true,3,64,500,cpu,"
            + ",,,,,,,,,,,,,,,,,,\"diverged: loss, \"\"NaN\"\"\nat epoch 2\",paper-cpu/aaaaaaaaaaaa\n";
        var incomplete = "incomplete,paper-cpu,f4b3bc64bc10,0,fashion-mnist,direct,2000,1000,,32C5-P2-64C5-P2-FC10,10,2,2,,accumulate,pool-linear,cross-entropy,0.001,true,3,64,500,cpu,"
            + ",,,,,,,,,,,,,,,,,,,paper-cpu/f4b3bc64bc10\r\n";
        var study = StudyResults.Parse(Header + failed + RealRow + incomplete, "runs.csv");

        Assert.Empty(study.Warnings);   // the config columns give back run id 2763c76dc07f
        Assert.Equal(["paper-cpu"], study.Experiments);
        Assert.Equal(new Dictionary<string, int> { ["failed"] = 1, ["finished"] = 1, ["incomplete"] = 1 }, study.Statuses);
        Assert.Equal("3 rows: 1 failed, 1 finished, 1 incomplete (1 study runs)", study.Describe());
        var run = Assert.Single(study.Runs);
        Assert.Equal(("fashion-mnist", false, 10, 5, (int?)1, 0), (run.Dataset, run.EventData, run.TimeSteps, run.Truncation, run.BlockSize, run.Seed));
        Assert.Equal((0.712, 0.7125), (run.TestAccuracy, run.TrainAccuracy));
        Assert.Equal(99950592L, run.PeakStepBytes);
        Assert.Equal(322.6758439, run.TotalSeconds);   // total_seconds: the run's measured training time
        Assert.Equal((590445944.0, 358215096.0, 70151296.0), (run.Macs!.Value, run.AccessBytes!.Value, run.ModelledPeakStepBytes!.Value));
        Assert.Equal("K=5 B=1", run.PlanLabel);
        // The setting is the one a run made here gets (StudyRun.From on the parsed config).
        var config = ExperimentConfig.Parse("""
            { "experiment": "paper-cpu", "dataset": { "name": "fashion-mnist", "encoding": "direct", "trainSubset": 2000, "testSubset": 1000 },
              "network": "csnn", "T": 10, "plan": { "K": 5, "B": 1, "update": "accumulate" }, "epochs": 3, "batch": 64, "seed": 2 }
            """);
        Assert.Equal(StudyRun.From(config, new RunSummary("paper-cpu", config.RunId, 3, 0, 0.5, 0, 0.5, 0.5, 1, 0, 1, 1, null, new RunCosts(0, 0, 0, 0, 0, 0, 0))).Setting, run.Setting);
    }

    [Fact]
    public void Plans_aggregate_over_seeds_with_the_sample_std()
    {
        var csv = Header
            + Row(false, 10, "all", 0, 0.70, 0.80, 100, 2e9) + Row(false, 10, "all", 1, 0.72, 0.83, 110, 2e9) + Row(false, 10, "all", 2, 0.74, 0.83, 120, 2e9)
            + Row(false, 2, "1", 0, 0.69, 0.70, 30, 6e8) + Row(false, 2, "1", 1, 0.70, 0.71, 32, 6e8)
            + Row(true, 10, "all", 0, 0.50, 0.60, 90, 3e9) + Row(true, 10, "3", 0, 0.99, 0.99, 90, 3e9);   // B = 3 = every stage: one block, a second BPTT run
        var study = StudyResults.Parse(csv);
        Assert.Equal(6, study.Runs.Count);
        Assert.Contains(study.Warnings, w => w.Contains("a second run of emulated-n-fashion-mnist K=10 B=all seed 0", StringComparison.Ordinal));
        Assert.Contains(study.Warnings, w => w.Contains("give run id", StringComparison.Ordinal));   // the made-up ids

        var space = study.Space;
        Assert.Equal(2, space.Settings.Count);
        var (frames, events) = (space.Settings[0], space.Settings[1]);
        Assert.Equal(("fashion-mnist", "emulated-n-fashion-mnist"), (space.Name(frames), space.Name(events)));
        Assert.Equal(frames, space.Find("fashion-mnist"));
        Assert.True(space.Of(events)[0].EventData);
        Assert.Equal([10, 2], space.Truncations(frames));
        Assert.Equal([null, 1], space.BlockSizes(frames));

        var bptt = space.Cell(frames, 10, null)!;
        Assert.True(bptt.IsBptt);
        Assert.Equal([0, 1, 2], bptt.Seeds);
        Assert.Equal(0.72, bptt.TestAccuracy.Mean, 12);
        Assert.Equal(0.02, bptt.TestAccuracy.Std!.Value, 12);
        Assert.Equal(0.82, bptt.TrainAccuracy.Mean, 12);
        Assert.Equal(Math.Sqrt(0.0003), bptt.TrainAccuracy.Std!.Value, 12);   // 0.80, 0.83, 0.83
        Assert.Equal(0.10, bptt.TrainTestGap.Mean, 12);
        Assert.Equal(110, bptt.PeakStepBytes!.Value.Mean, 12);
        Assert.Equal(10, bptt.PeakStepBytes!.Value.Std!.Value, 12);
        Assert.Equal((2e9, 0.0), (bptt.Macs!.Value.Mean, bptt.Macs!.Value.Std!.Value));
        Assert.Equal("72.00 ± 2.00", bptt.TestAccuracy.Format(100));
        var tt = space.Cell(frames, 2, 1)!;
        Assert.Equal(0.695, tt.TestAccuracy.Mean, 12);
        Assert.Equal(Math.Sqrt(0.00005), tt.TestAccuracy.Std!.Value, 12);
        Assert.Null(space.Cell(frames, 2, null));
        var single = space.Cell(events, 10, null)!;
        Assert.Equal(0.5, single.TestAccuracy.Mean);
        Assert.Equal("50.0", single.TestAccuracy.Format(100, "F1"));

        // BPTT: 72 % at 110 bytes; K=2 B=1: 69.5 % at 31 bytes. Neither dominates the other.
        Assert.Equal([tt, bptt], space.ParetoFront(frames));
        var findings = study.Findings();
        Assert.Equal(["C1", "C2", "C3", "C4"], findings.Select(f => f.Id));
    }

    [Fact]
    public void The_pareto_front_keeps_what_nothing_beats_on_both_axes()
    {
        (string Name, double Accuracy, double Memory)[] options =
        [
            ("a", 0.80, 100), ("b", 0.78, 50), ("c", 0.75, 60), ("d", 0.80, 100), ("e", 0.70, 20), ("f", double.NaN, 10), ("g", 0.78, 70), ("h", 0.60, 20),
        ];
        var front = ParetoFront.Of(options, o => o.Accuracy, o => o.Memory).Select(o => o.Name);
        // c is beaten by b (better and smaller), g by b (equal accuracy, more memory), h by e (same memory, lower); f has no accuracy.
        Assert.Equal(["e", "b", "a", "d"], front);
        Assert.Empty(ParetoFront.Of(Array.Empty<double>(), x => x, x => x));
    }

    [Fact]
    public void What_snn_report_writes_reads_back_with_the_same_numbers_and_run_ids()
    {
        var results = Path.Combine(dir, "results");
        var peaks = new Dictionary<(string K, string B, int Seed), long>();
        foreach (var seed in new[] { 0, 1, 2 })
            foreach (var (k, b) in new[] { ("4", "\"all\""), ("2", "\"all\""), ("4", "1"), ("1", "1") })
            {
                var peak = 1000L * (seed + 1) + (k == "4" ? 500 : 0) + (b == "1" ? 0 : 200);
                peaks[(k, b, seed)] = peak;
                ReportTests.WriteRun(results, ReportTests.Config("study", "synthetic", k, b, "null", seed), RunStatus.Finished,
                    [0.5, 0.6 + seed / 100.0 + int.Parse(k, CultureInfo.InvariantCulture) / 1000.0], peakBytes: peak, macs: 1e6 * int.Parse(k, CultureInfo.InvariantCulture));
            }
        ReportTests.WriteRun(results, ReportTests.Config("study", "synthetic", "1", "\"all\"", "null", 0), RunStatus.Failed, [0.5]);
        var table = ReportTable.Build(ResultsScan.Of(results).Runs);
        var output = Path.Combine(dir, "study");
        table.WriteCsv(output, results);
        File.WriteAllText(Path.Combine(output, StudyProvenance.FileName), new StudyProvenance("abc1234", "2-core CPU", "2025-01-02", "snn sweep …",
            Emulation: "snn data emulate --train 4000 --test 1000 --seed 0").ToJson());

        var study = StudyResults.Load(output);
        Assert.Empty(study.Warnings);
        Assert.Equal(12, study.Runs.Count);
        Assert.Equal(1, study.Statuses["failed"]);
        Assert.Equal("abc1234", study.Provenance!.Commit);
        Assert.Equal("snn data emulate --train 4000 --test 1000 --seed 0", study.Provenance.Emulation);
        foreach (var run in study.Runs)
        {
            var b = run.BlockSize is null ? "\"all\"" : "1";
            Assert.Equal(peaks[(run.Truncation.ToString(CultureInfo.InvariantCulture), b, run.Seed)], run.PeakStepBytes);
            Assert.Equal(0.6 + run.Seed / 100.0 + run.Truncation / 1000.0, run.TestAccuracy, 12);
            Assert.Equal(0.9, run.TrainAccuracy, 12);
            Assert.Equal(1e6 * run.Truncation, run.Macs);
            Assert.Equal(("synthetic", false, 4), (run.Dataset, run.EventData, run.TimeSteps));
        }
        // The report's mean ± std of each configuration equals the study's per-plan cells.
        var space = study.Space;
        var setting = Assert.Single(space.Settings);
        foreach (var row in table.Rows.Where(r => r.Finished > 0))
        {
            var cell = space.Cell(setting, int.Parse(row.Config["plan.K"], CultureInfo.InvariantCulture), row.Config["plan.B"] == "all" ? null : int.Parse(row.Config["plan.B"], CultureInfo.InvariantCulture))!;
            Assert.Equal(row.FinalTestAccuracy!.Value.Mean, cell.TestAccuracy.Mean, 12);
            Assert.Equal(row.FinalTestAccuracy!.Value.Std!.Value, cell.TestAccuracy.Std!.Value, 12);
            Assert.Equal(row.PeakStepBytes!.Value.Mean, cell.PeakStepBytes!.Value.Mean, 12);
        }
    }

    [Fact]
    public void A_folder_without_runs_csv_is_no_study_and_bad_files_are_named()
    {
        Assert.Null(StudyResults.TryLoad(dir));
        var missing = Assert.Throws<FileNotFoundException>(() => StudyResults.Load(dir));
        Assert.Contains("runs.csv not found", missing.Message);

        var noColumn = Assert.Throws<InvalidDataException>(() => StudyResults.Parse("status,experiment,run_id,seed\n", "x/runs.csv"));
        Assert.Contains("x/runs.csv: no column 'epochs_done'", noColumn.Message);
        var short_ = Assert.Throws<InvalidDataException>(() => StudyResults.Parse(Header + "finished,paper-cpu\n", "runs.csv"));
        Assert.Contains("runs.csv, row 1: 2 cells but the header has 43", short_.Message);
        var unclosed = Assert.Throws<InvalidDataException>(() => StudyResults.Parse(Header + "failed,\"oops\n", "runs.csv"));
        Assert.Contains("runs.csv, line 2: a quoted cell is never closed", unclosed.Message);
        var badConfig = Assert.Throws<InvalidDataException>(() => StudyResults.Parse(Header + RealRow.Replace("fashion-mnist,direct", "kmnist,direct", StringComparison.Ordinal), "runs.csv"));
        Assert.Contains("runs.csv, run paper-cpu/2763c76dc07f: its config columns are not a valid config: dataset.name", badConfig.Message);
        var badNumber = Assert.Throws<InvalidDataException>(() => StudyResults.Parse(Header + RealRow.Replace("0.712,0.723", "high,0.723", StringComparison.Ordinal), "runs.csv"));
        Assert.Contains("'high' in column 'final_test_accuracy' is not a number", badNumber.Message);
    }

    [Fact]
    public void Provenance_needs_its_four_keys_and_keeps_the_others()
    {
        var p = StudyProvenance.Parse("""{ "commit": "abc", "machine": "m", "date": "2025-01-02", "command": "snn sweep", "hours": 2.5, "notes": "n" }""");
        Assert.Equal(("abc", "m", "2025-01-02", "snn sweep", "n"), (p.Commit, p.Machine, p.Date, p.Command, p.Notes));
        Assert.Equal("2.5", p.Other!["hours"]);
        Assert.Equal(["commit: abc", "machine: m", "date: 2025-01-02", "command: snn sweep", "notes: n", "hours: 2.5"], p.Lines());
        var back = StudyProvenance.Parse(p.ToJson());
        Assert.Equal(p.Lines(), back.Lines());
        var missing = Assert.Throws<InvalidDataException>(() => StudyProvenance.Parse("""{ "commit": "abc" }""", "p.json"));
        Assert.Contains("p.json: missing \"machine\", \"date\", \"command\"", missing.Message);
        Assert.Throws<InvalidDataException>(() => StudyProvenance.Parse("""{ "commit": ["abc"], "machine": "m", "date": "d", "command": "c" }"""));
        Assert.Throws<InvalidDataException>(() => StudyProvenance.Parse("[1]"));
    }
}
