using System.Text.Json;
using System.Text.Json.Serialization;
using Snn.IO;
using Snn.Networks;
using Snn.Optimization;
using Snn.Plans;
using TorchSharp;

namespace Snn.Training;

/// <summary>
/// A training checkpoint: network weights, local heads, optimizer states, schedule position, epoch, the global RNG
/// state and the history so far. Written to a temporary file and renamed, so an interrupted write never leaves a
/// half checkpoint.
/// </summary>
internal sealed class TrainingCheckpoint(SpikingNetwork network, TrainingPlan plan, int epochs, LocalHeads heads,
    IReadOnlyList<ChunkedAdam> optimizers, LearningRateSchedule schedule)
{
    private const string CheckpointMagic = "SNN-CHECKPOINT-1";
    private static readonly JsonSerializerOptions HistoryJson = new() { NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals };

    public void Save(string path, TrainingHistory history, int epoch)
    {
        var full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        AtomicFile.Write(full, stream =>
        {
            using var writer = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true);
            writer.Write(CheckpointMagic);
            writer.Write(network.Spec);
            writer.Write(plan.ToString());
            writer.Write(epoch);
            writer.Write(epochs);
            writer.Write(schedule.Step);
            writer.Write(JsonSerializer.Serialize(history.Epochs, HistoryJson));
            writer.Write(JsonSerializer.Serialize(history.Batches, HistoryJson));
            using (var rng = torch.random.get_rng_state())
            {
                var bytes = rng.data<byte>().ToArray();
                writer.Write(bytes.Length);
                writer.Write(bytes);
            }
            network.save(writer);
            heads.save(writer);
            foreach (var o in optimizers) o.save_state_dict(writer);
        });
    }

    /// <summary>Restores everything <see cref="Save"/> wrote; returns the last finished epoch.</summary>
    public int Load(string path, TrainingHistory history)
    {
        using var stream = File.OpenRead(path);
        using var reader = new BinaryReader(stream);
        string magic;
        try { magic = reader.ReadString(); }
        catch (EndOfStreamException) { magic = ""; }
        if (magic != CheckpointMagic) throw new InvalidDataException($"'{path}' is not a Snn training checkpoint.");
        var savedSpec = reader.ReadString();
        var savedPlan = reader.ReadString();
        if (savedSpec != network.Spec || savedPlan != plan.ToString())
            throw new InvalidDataException($"Checkpoint '{path}' is of {savedSpec} trained with {savedPlan}; this trainer has {network.Spec} with {plan}. Use another CheckpointPath.");
        var epoch = reader.ReadInt32();
        var savedEpochs = reader.ReadInt32();
        if (savedEpochs != epochs)
            throw new InvalidDataException($"Checkpoint '{path}' belongs to a run of {savedEpochs} epochs (its learning-rate schedule depends on it); this trainer runs {epochs}.");
        var step = reader.ReadInt64();
        history.Epochs.AddRange(JsonSerializer.Deserialize<List<EpochMetrics>>(reader.ReadString(), HistoryJson)!);
        history.Batches.AddRange(JsonSerializer.Deserialize<List<BatchMetrics>>(reader.ReadString(), HistoryJson)!);
        var rngBytes = reader.ReadBytes(reader.ReadInt32());
        network.load(reader);
        heads.load(reader);
        foreach (var o in optimizers) o.LoadStateDictOfEither(reader);
        using (var rng = torch.tensor(rngBytes, dtype: torch.ScalarType.Byte))
            torch.random.set_rng_state(rng);
        schedule.Begin(schedule.TotalSteps, step);
        return epoch;
    }
}
