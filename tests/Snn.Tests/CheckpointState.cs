using System.Text.Json;
using System.Text.Json.Nodes;
using Snn.Experiments;
using Snn.Networks;
using Snn.Training;
using TorchSharp;

namespace Snn.Tests;

/// <summary>What a resume must reproduce bit for bit, as bytes: for comparing an interrupted run with an uninterrupted one.</summary>
internal static class CheckpointState
{
    /// <summary>Weights and buffers, local heads, every optimizer state, the schedule position, the global RNG state (and SLTT-K's step sampler).</summary>
    public static byte[] Of(Trainer trainer)
    {
        using var bytes = new MemoryStream();
        using (var writer = new BinaryWriter(bytes))
        {
            trainer.Network.save(writer);
            trainer.Heads.save(writer);
            foreach (var o in trainer.Optimizers) o.save_state_dict(writer);
            writer.Write(trainer.Schedule.Step);
            using var rng = torch.random.get_rng_state();
            writer.Write(rng.data<byte>().ToArray());
            if (trainer.SamplerState is { } sampler) writer.Write(sampler);
        }
        return bytes.ToArray();
    }

    /// <summary>The state in a finished run's checkpoint.bin, loaded by a trainer as the runner builds it.</summary>
    public static byte[] OfRun(ExperimentConfig config, string runDirectory)
    {
        using var data = ExperimentData.Load(config);
        using var network = NetworkSpec.Build(config.Network, config.InputShape);
        var trainer = new Trainer(network, config.Plan, config.TrainerOptions() with
        {
            CheckpointPath = Path.Combine(runDirectory, ExperimentRunner.CheckpointFile),
            Resume = true,
            MeasureMemory = false,
        });
        var history = trainer.Fit(data.Train);   // every epoch is done: loads, trains nothing
        Assert.Equal(config.Epochs, history.Epochs.Count);
        return Of(trainer);
    }

    /// <summary>Epoch metrics as JSON lines without what is measured rather than computed (wall seconds, peak step memory).</summary>
    public static string[] Computed(IEnumerable<EpochMetrics> epochs) =>
        epochs.Select(e => JsonSerializer.Serialize(e with { Seconds = 0, PeakStepBytes = null })).ToArray();

    /// <summary>A run's epochs.jsonl without wall seconds and peak step memory.</summary>
    public static string[] ComputedEpochs(string runDirectory) =>
        File.ReadAllLines(Path.Combine(runDirectory, ExperimentRunner.EpochsJsonl)).Where(l => l.Length > 0).Select(l =>
        {
            var o = JsonNode.Parse(l)!.AsObject();
            Assert.True(o.Remove("seconds"), "epochs.jsonl lines hold seconds");
            o.Remove("peakStepBytes");
            return o.ToJsonString();
        }).ToArray();
}
