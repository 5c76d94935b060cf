using System.Text.Json;
using System.Text.Json.Serialization;
using Snn.IO;
using Snn.Networks;
using Snn.Plans;
using TorchSharp;

namespace Snn.Training;

/// <summary>
/// A training checkpoint: network weights, local heads, optimizer states, schedule position, the position in the
/// run (last finished epoch, and for a mid-epoch checkpoint the batches done with their partial sums), the global RNG
/// state and the history so far; for SLTT-K also its step sampler's generator, at the end (other plans' files are as
/// before). Written to a temporary file, flushed and renamed, so a kill at any moment leaves the previous checkpoint or
/// the new one, never half of one.
/// </summary>
internal sealed class TrainingCheckpoint(SpikingNetwork network, TrainingPlan plan, int epochs, LocalHeads heads,
    IReadOnlyList<TorchSharp.Modules.OptimizerHelper> optimizers, LearningRateSchedule schedule, StepSampler? sampler = null)
{
    // Version 1 (epoch boundaries only, TorchSharp Adam state) is no longer read: it is named in the refusal only.
    private const string MagicV1 = "SNN-CHECKPOINT-1";
    private const string Magic = "SNN-CHECKPOINT-2";
    private static readonly JsonSerializerOptions HistoryJson = new() { NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals };

    /// <summary>
    /// Test seam, null outside tests: called in every checkpoint write of the process once the network's weights are
    /// written and flushed, before the heads and optimizer states, with the temporary file's path. Kill tests stop a
    /// write there (tests/Snn.TestHost) to kill the process in the middle of it.
    /// </summary>
    internal static Action<string>? HalfwayThroughWrite { get; set; }

    /// <summary>Saves the state after epoch <paramref name="finishedEpoch"/>, plus <paramref name="partial"/> batches of the next one.</summary>
    public void Save(string path, TrainingHistory history, int finishedEpoch, PartialEpoch? partial = null)
    {
        var full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        AtomicFile.Write(full, stream =>
        {
            using var writer = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true);
            writer.Write(Magic);
            writer.Write(network.Spec);
            writer.Write(plan.ToString());
            writer.Write(finishedEpoch);
            writer.Write(epochs);
            writer.Write(schedule.Step);
            writer.Write(partial is not null);
            if (partial is not null)
            {
                writer.Write(partial.Batches);
                writer.Write(partial.LearningRate);
                writer.Write(partial.Seconds);
                writer.Write(partial.PeakStepBytes ?? -1);
                partial.Sums.Save(writer);
            }
            writer.Write(JsonSerializer.Serialize(history.Epochs, HistoryJson));
            writer.Write(JsonSerializer.Serialize(history.Batches, HistoryJson));
            using (var rng = torch.random.get_rng_state())
            {
                var bytes = rng.data<byte>().ToArray();
                writer.Write(bytes.Length);
                writer.Write(bytes);
            }
            network.save(writer);
            if (HalfwayThroughWrite is { } halfway)
            {
                writer.Flush();
                halfway(full + AtomicFile.TemporarySuffix);
            }
            heads.save(writer);
            foreach (var o in optimizers) o.save_state_dict(writer);
            if (sampler is not null)
            {
                var state = sampler.State;
                writer.Write(state.Length);
                writer.Write(state);
            }
        });
    }

    /// <summary>Where the checkpoint at <paramref name="path"/> stands: the last finished epoch and the batches done of the next one.</summary>
    public static (int FinishedEpoch, int Batches) Position(string path)
    {
        using var reader = new BinaryReader(File.OpenRead(path));
        var magic = reader.ReadString();
        CheckMagic(magic, path);
        reader.ReadString();
        reader.ReadString();
        var epoch = reader.ReadInt32();
        reader.ReadInt32();
        reader.ReadInt64();
        return (epoch, reader.ReadBoolean() ? reader.ReadInt32() : 0);
    }

    private static void CheckMagic(string magic, string path)
    {
        if (magic == Magic) return;
        throw new InvalidDataException(magic == MagicV1
            ? $"'{path}' is a version-1 Snn training checkpoint (written before mid-epoch checkpoints), which this version no longer reads; "
                + "delete it to restart that run from its first epoch."
            : $"'{path}' is not a Snn training checkpoint.");
    }

    /// <summary>Restores everything <see cref="Save"/> wrote; returns the last finished epoch and the batches done of the next one (null: none).</summary>
    public (int FinishedEpoch, PartialEpoch? Partial) Load(string path, TrainingHistory history)
    {
        using var stream = File.OpenRead(path);
        using var reader = new BinaryReader(stream);
        string magic;
        try { magic = reader.ReadString(); }
        catch (EndOfStreamException) { magic = ""; }
        CheckMagic(magic, path);
        var savedSpec = reader.ReadString();
        var savedPlan = reader.ReadString();
        if (savedSpec != network.Spec || savedPlan != plan.ToString())
            throw new InvalidDataException($"Checkpoint '{path}' is of {savedSpec} trained with {savedPlan}; this trainer has {network.Spec} with {plan}. "
                + "Use another CheckpointPath.");
        var epoch = reader.ReadInt32();
        var savedEpochs = reader.ReadInt32();
        if (savedEpochs != epochs)
            throw new InvalidDataException(
                $"Checkpoint '{path}' belongs to a run of {savedEpochs} epochs (its learning-rate schedule depends on it); this trainer runs {epochs}.");
        var step = reader.ReadInt64();
        PartialEpoch? partial = null;
        if (reader.ReadBoolean())
        {
            var batches = reader.ReadInt32();
            var lr = reader.ReadDouble();
            var seconds = reader.ReadDouble();
            var peak = reader.ReadInt64();
            partial = new PartialEpoch(batches, EpochAccumulator.Load(reader, network, heads.Count + 1), lr, seconds, peak < 0 ? null : peak);
        }
        history.Epochs.AddRange(JsonSerializer.Deserialize<List<EpochMetrics>>(reader.ReadString(), HistoryJson)!);
        history.Batches.AddRange(JsonSerializer.Deserialize<List<BatchMetrics>>(reader.ReadString(), HistoryJson)!);
        var rngBytes = reader.ReadBytes(reader.ReadInt32());
        network.load(reader);
        heads.load(reader);
        foreach (var o in optimizers) o.load_state_dict(reader);
        if (sampler is not null) sampler.State = reader.ReadBytes(reader.ReadInt32());   // the plan (checked above) says it is there
        using (var rng = torch.tensor(rngBytes, dtype: torch.ScalarType.Byte))
            torch.random.set_rng_state(rng);
        schedule.Begin(schedule.TotalSteps, step);
        return (epoch, partial);
    }
}
