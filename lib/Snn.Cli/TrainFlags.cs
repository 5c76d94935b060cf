using System.CommandLine;
using System.Globalization;
using Snn.Experiments;

namespace Snn.Cli;

/// <summary>
/// The flag form of `snn train`: each flag is one key of an experiment config (docs/experiments.md), so that the flags
/// build the config a file would hold (<see cref="ExperimentConfigBuilder"/>) and run through the same runner, with the
/// same defaults and the same run id.
/// </summary>
internal static class TrainFlags
{
    /// <summary>The flag of each config key path, and the options in help order.</summary>
    public static IReadOnlyList<(Option Option, string Key)> Create()
    {
        var datasets = string.Join(", ", Snn.Data.DatasetRegistry.Names);
        var experiment = new Option<string>("--experiment")
        {
            Description = "experiment name: the run goes to DIR/NAME/<run id>/",
            HelpName = "NAME",
            DefaultValueFactory = _ => "train",
        };
        var dataset = new Option<string>("--dataset") { Description = $"the dataset (required in the flag form): {datasets}", HelpName = "NAME" };
        dataset.CompletionSources.Add([.. Snn.Data.DatasetRegistry.Names]);   // an unknown name is rejected by the config, naming --dataset
        var spec = new Option<string>("--spec", "--network")
        {
            Description = "network spec (nCk[sS][pP] conv, Pk/MPk/APk pooling, BN, Dp dropout, FCn; the last FC is the readout) "
                + $"or a zoo name: {string.Join(", ", ExperimentConfig.ZooNames)}",
            HelpName = "SPEC",
            DefaultValueFactory = _ => "csnn",
        };
        var k = new Option<string>("--K")
        {
            Description = "truncation length K (steps per BPTT window): 1 … T, or T for no truncation",
            HelpName = "K",
            DefaultValueFactory = _ => "T",
        };
        var b = new Option<string>("--B")
        {
            Description = "block size B (weight stages per locally trained block), or all for one end-to-end block",
            HelpName = "B",
            DefaultValueFactory = _ => "all",
        };
        var blocks = new Option<int[]?>("--blocks")
        {
            Description = "instead of --B: the first stage of each block after the first, comma-separated (e.g. 2,4)",
            HelpName = "LIST",
            CustomParser = r => CliSupport.Split(r.Tokens.Count > 0 ? r.Tokens[^1].Value : "").Select(s =>
                int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var i) ? i
                    : Error(r, $"--blocks must be stage indices like 2,4; got '{s}'.")).ToArray(),
        };
        var precision = CliSupport.Choice("--precision",
            "the synapses' arithmetic: float32, or bf16 (mixed precision: conv/linear in bfloat16; docs/precision.md)", "PRECISION", "float32",
            ExperimentConfig.Precisions);
        return
        [
            (experiment, "experiment"), (dataset, "dataset.name"),
            (Text("--encoding", "ENCODING", "encoder of a frame dataset: direct (default), poisson, latency"), "dataset.encoding"),
            (CliSupport.OptionalInt("--train-samples", "train on a seeded random subset of N training samples (default: all; synthetic: 256)", min: 1),
                "dataset.trainSubset"),
            (CliSupport.OptionalInt("--test-samples", "evaluate on a seeded random subset of N test samples (default: all; synthetic: 64)", min: 1),
                "dataset.testSubset"),
            (CliSupport.OptionalInt("--size", "frame side in px of dvs-gesture, cifar10-dvs (a divisor of 128) and the stand-in", min: 1), "dataset.size"),
            (spec, "network"), (CliSupport.Int("--T", "time steps T per sample", 4, min: 1), "T"), (k, "plan.K"), (b, "plan.B"), (blocks, "plan.blocks"),
            (Text("--update", "POLICY", "per-window-and-block (default) or accumulate (one update per batch)"), "plan.update"),
            (Text("--head", "HEAD", "local head of a block: pool-linear (default) or fixed-random"), "plan.head"),
            (Text("--loss", "LOSS", "cross-entropy (default) or rate-mse"), "plan.loss"),
            (CliSupport.OptionalInt("--loss-window", "score the loss per chunk of L steps inside each window (1 … K; default: per window)", min: 1),
                "plan.lossWindow"),
            (Text("--method", "METHOD",
                "train as a related method: sltt, sltt-k (with --sampled-steps), ottt-a, ottt-o or decolle; sets K, B, update, head, loss and the trace"),
                "plan.method"),
            (CliSupport.OptionalInt("--sampled-steps", "SLTT-K: backpropagate only k of the T steps, drawn at random per batch (1 … T)", min: 1),
                "plan.sampledSteps"),
            (new Option<bool>("--presynaptic-trace") { Description = "OTTT's presynaptic-trace weight gradient (needs --K 1; docs/method.md)" },
                "plan.presynapticTrace"),
            (CliSupport.PositiveDouble("--lr", "learning rate (Adam or SGD)", 1e-3), "optimizer.lr"),
            (new Option<bool>("--cosine")
            {
                Description = "cosine learning-rate schedule (default: on; --cosine false: constant)",
                DefaultValueFactory = _ => true,
            }, "optimizer.cosine"),
            (Text("--optimizer", "NAME", "adam (default) or sgd (SGD with momentum, as SLTT and OTTT train)"), "optimizer.name"),
            (new Option<double>("--momentum") { Description = "SGD momentum in [0, 1) (default 0.9; sgd only)", HelpName = "M" }, "optimizer.momentum"),
            (new Option<double>("--weight-decay") { Description = "L2 weight decay added to the gradient (default 0)", HelpName = "W" },
                "optimizer.weightDecay"),
            (new Option<bool>("--nesterov") { Description = "Nesterov momentum (sgd only)" }, "optimizer.nesterov"),
            (CliSupport.Int("--epochs", "training epochs", 1, min: 1), "epochs"), (CliSupport.Int("--batch", "batch size", 64, min: 1), "batch"),
            (CliSupport.Int("--eval-batch", "evaluation batch size", 500, min: 1), "evalBatch"),
            (CliSupport.Int("--seed", "seed of the initialisation, the subsets and the batch order", 0, min: int.MinValue), "seed"),
            (new Option<string>("--device") { Description = "cpu, cuda or cuda:N", HelpName = "DEVICE", DefaultValueFactory = _ => "cpu" }, "device"),
            (precision, "precision"),
            (CliSupport.Choice("--conv-layout",
                "the convolutions' memory layout: planar (default) or channels-last (on the CPU less time and memory; float32 results differ "
                + "by rounding; docs/channels-last.md)", "LAYOUT", "planar", ExperimentConfig.ConvolutionLayouts), "convolutionLayout"),
            (CliSupport.OptionalInt("--synapse-chunk",
                "run each pooling stage's synapse and pooling at most C samples (time steps × batch) a call: a conv window's output and its "
                + "gradient exist one chunk at a time (less memory; float32 weight gradients differ by rounding; docs/method.md)", min: 1), "synapseChunk"),
            (new Option<bool>("--eval-train") { Description = "after the last epoch, evaluate the training set as the test set" }, "evalTrain"),
            (CliSupport.Int("--eval-every", "evaluate the test set after every N-th and the last epoch", 1, min: 1), "evalEvery"),
            (Text("--arm", "LABEL", "the study arm this run belongs to (docs/studies.md)"), "arm"),
        ];
    }

    /// <summary>
    /// The settings of the flags given (key path → value), plus the experiment name and the network, which have defaults
    /// here but not in a config. Flags left out are left out of the config, so its defaults hold.
    /// </summary>
    public static List<KeyValuePair<string, object?>> Settings(ParseResult r, IEnumerable<(Option Option, string Key)> flags) =>
        flags.Where(f => f.Key is "experiment" or "network" || r.GetResult(f.Option) is { Implicit: false })
            .Select(f => KeyValuePair.Create(f.Key, Value(r, f.Option)))
            .ToList();

    private static object? Value(ParseResult r, Option option) => option switch
    {
        Option<string> s => r.GetValue(s),
        Option<int> i => r.GetValue(i),
        Option<int?> i => r.GetValue(i),
        Option<double> d => r.GetValue(d),
        Option<bool> b => r.GetValue(b),
        Option<int[]?> list => r.GetValue(list),
        _ => throw new InvalidOperationException($"{option.Name}: no value type."),
    };

    private static Option<string> Text(string name, string helpName, string description) => new(name) { Description = description, HelpName = helpName };

    private static int Error(System.CommandLine.Parsing.ArgumentResult r, string message)
    {
        r.AddError(message);
        return 0;
    }
}
