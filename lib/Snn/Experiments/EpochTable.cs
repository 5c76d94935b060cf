using System.Globalization;
using System.Text;
using Snn.Training;

namespace Snn.Experiments;

/// <summary>Per-epoch metrics as CSV (invariant culture, round-trip numbers): the one epochs.csv layout of `snn train`.</summary>
public static class EpochTable
{
    public const string Header = "epoch,train_loss,train_accuracy,test_loss,test_accuracy,seconds,samples_seen,lr,peak_step_bytes";

    /// <summary>One row per epoch; per-block losses and accuracies and per-stage firing rates follow the fixed columns.</summary>
    public static string Csv(IReadOnlyList<EpochMetrics> epochs)
    {
        var blocks = epochs.Count > 0 ? epochs[0].BlockLosses?.Count ?? 0 : 0;
        var rates = epochs.Count > 0 ? epochs[0].FiringRates?.Count ?? 0 : 0;
        var csv = new StringBuilder(Header);
        for (var m = 0; m < blocks; m++) csv.Append(CultureInfo.InvariantCulture, $",block{m}_loss,block{m}_accuracy");
        for (var s = 0; s < rates; s++) csv.Append(CultureInfo.InvariantCulture, $",firing_rate{s}");
        csv.Append('\n');
        foreach (var e in epochs)
        {
            csv.AppendJoin(',', e.Epoch.ToString(CultureInfo.InvariantCulture), F(e.TrainLoss), F(e.TrainAccuracy), F(e.TestLoss), F(e.TestAccuracy),
                F(e.Seconds), e.SamplesSeen.ToString(CultureInfo.InvariantCulture), F(e.LearningRate),
                e.PeakStepBytes?.ToString(CultureInfo.InvariantCulture) ?? "");
            for (var m = 0; m < blocks; m++) csv.Append(',').Append(F(e.BlockLosses?[m])).Append(',').Append(F(e.BlockAccuracies?[m]));
            for (var s = 0; s < rates; s++) csv.Append(',').Append(F(e.FiringRates?[s]));
            csv.Append('\n');
        }
        return csv.ToString();
    }

    private static string F(double? v) => v?.ToString("R", CultureInfo.InvariantCulture) ?? "";
}
