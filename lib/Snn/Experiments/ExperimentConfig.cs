using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using Snn.Data;
using Snn.Layers;
using Snn.Networks;
using Snn.Optimization;
using Snn.Plans;
using Snn.Training;
using TorchSharp;

namespace Snn.Experiments;

/// <summary>
/// One experiment run as data (docs/experiments.md): dataset and encoding, network, T and the plan, optimizer,
/// epochs, batches, seed, device. <see cref="Parse"/> rejects unknown keys and impossible values naming the key path;
/// the result has every default filled and a canonical JSON form (<see cref="CanonicalJson"/>, keys sorted) whose
/// SHA-256 prefix is the <see cref="RunId"/>: results/&lt;experiment&gt;/&lt;run id&gt;/.
/// </summary>
public sealed record ExperimentConfig
{
    // Dataset names, shapes, classes and where the files are: Snn.Data.DatasetRegistry, the one place that spells them.
    private static IReadOnlyList<string> Datasets => DatasetRegistry.Names;
    private static IEnumerable<string> EventDatasets => DatasetRegistry.All.Where(d => d.IsEvent).Select(d => d.Name);
    private static IEnumerable<string> SizedDatasets => DatasetRegistry.All.Where(d => d.IsSized).Select(d => d.Name);
    public static readonly IReadOnlyList<string> Encodings = ["direct", "poisson", "latency"];
    public static readonly IReadOnlyList<string> ZooNames = ["csnn", "lenet", "lenet-bn", "mlp", "alexnet"];
    private static readonly IReadOnlyList<string> Updates = ["per-window-and-block", "accumulate"];
    private static readonly IReadOnlyList<string> Heads = ["pool-linear", "fixed-random"];
    private static readonly IReadOnlyList<string> Losses = ["cross-entropy", "rate-mse"];
    /// <summary>The values of "plan.method": the related methods a plan reproduces (<see cref="RelatedMethod"/>).</summary>
    public static readonly IReadOnlyList<string> Methods = ["sltt", "sltt-k", "ottt-a", "ottt-o", "decolle"];
    /// <summary>The values of "optimizer.name": adam (default, <see cref="ChunkedAdam"/>) and sgd (<see cref="ChunkedSgd"/>).</summary>
    public static readonly IReadOnlyList<string> OptimizerNames = ["adam", "sgd"];
    private static readonly IReadOnlyList<string> ProfileNames = ["smoke", "quick", "full"];
    /// <summary>The values of "precision": float32 (default) and bf16 synapses (<see cref="SynapsePrecision"/>).</summary>
    public static readonly IReadOnlyList<string> Precisions = ["float32", "bf16"];

    /// <summary>The values of "convolutionLayout": planar (default) and channels-last (<see cref="Layers.ConvolutionLayout"/>).</summary>
    public static readonly IReadOnlyList<string> ConvolutionLayouts = ["planar", "channels-last"];

    private static readonly string[] RootKeys =
    [
        "experiment", "dataset", "network", "T", "plan", "optimizer", "epochs", "batch", "evalBatch", "seed", "device", "precision",
        "convolutionLayout", "synapseChunk", "evalTrain", "evalEvery", "arm",
        "profile", "profiles",
    ];
    private static readonly string[] DatasetKeys = ["name", "encoding", "trainSubset", "testSubset", "timeBins", "size"];
    private static readonly string[] PlanKeys = ["K", "B", "blocks", "update", "head", "loss", "lossWindow", "method", "sampledSteps", "presynapticTrace"];
    private static readonly string[] OptimizerKeys = ["lr", "cosine", "name", "momentum", "weightDecay", "nesterov"];

    public required string Experiment { get; init; }
    public required string Dataset { get; init; }
    /// <summary>Encoder of a frame dataset (direct, poisson, latency); null for event frames.</summary>
    public string? Encoding { get; init; }
    /// <summary>Seeded random subset of the training split (synthetic: its size); null = all.</summary>
    public int? TrainSubset { get; init; }
    public int? TestSubset { get; init; }
    /// <summary>Time bins of event frames (= T); null for frame datasets.</summary>
    public int? TimeBins { get; init; }
    /// <summary>Frame side in px of the datasets sized by the config (<see cref="DatasetInfo.IsSized"/>); null for the others.</summary>
    public int? Size { get; init; }
    /// <summary>The network spec (zoo names resolved).</summary>
    public required string Network { get; init; }
    public int TimeSteps { get; init; }
    public int Truncation { get; init; }
    public int? BlockSize { get; init; }
    public IReadOnlyList<int>? BlockBoundaries { get; init; }
    public UpdatePolicy Update { get; init; }
    public LocalHeadKind Head { get; init; }
    public LossKind Loss { get; init; }
    /// <summary>
    /// "plan.lossWindow" L: score the loss per chunk of L steps inside each window (<see cref="TrainingPlan.LossWindow"/>);
    /// null = per window (also when L = K).
    /// </summary>
    public int? LossWindow { get; init; }
    /// <summary>"plan.method": the related method the plan reproduces (<see cref="TrainingPlan.Method"/>), or null.</summary>
    public RelatedMethod? Method { get; init; }
    /// <summary>"plan.sampledSteps": SLTT-K's k, the steps backpropagated per batch (<see cref="TrainingPlan.SampledSteps"/>), or null.</summary>
    public int? SampledSteps { get; init; }
    /// <summary>"plan.presynapticTrace": OTTT's trace weight gradient (<see cref="TrainingPlan.PresynapticTrace"/>; needs K = 1).</summary>
    public bool PresynapticTrace { get; init; }
    public double LearningRate { get; init; }
    public bool Cosine { get; init; }
    /// <summary>"optimizer.name", "optimizer.momentum", "optimizer.weightDecay", "optimizer.nesterov": Adam by default, or SGD with momentum.</summary>
    public OptimizerSettings Optimizer { get; init; } = new();
    public int Epochs { get; init; }
    public int Batch { get; init; }
    public int EvalBatch { get; init; }
    public int Seed { get; init; }
    /// <summary>"cpu", "cuda" or "cuda:N".</summary>
    public required string Device { get; init; }
    /// <summary>The synapses' arithmetic ("precision": "float32" → Full, "bf16" → BFloat16; docs/precision.md).</summary>
    public SynapsePrecision Precision { get; init; }
    /// <summary>
    /// The convolutions' memory layout ("convolutionLayout": "planar" or "channels-last"; docs/channels-last.md): the same
    /// network, different kernels, so float32 results differ by rounding; written to the config only when channels-last.
    /// </summary>
    public ConvolutionLayout ConvolutionLayout { get; init; }
    /// <summary>
    /// "synapseChunk": the network's <see cref="Networks.SpikingNetwork.SynapseChunk"/> (samples per call of each pooling
    /// stage's synapse and pooling; null: whole windows); written to the config only when set.
    /// </summary>
    public int? SynapseChunk { get; init; }
    /// <summary>
    /// The study arm this run belongs to ("arm": a label such as "bptt-matched-k2"; docs/studies.md), or null. It names
    /// the run in a pre-registered analysis; as part of the config it is part of the run id, so two arms that happen to
    /// share every setting stay two runs.
    /// </summary>
    public string? Arm { get; init; }
    /// <summary>"evalTrain": after the last epoch, evaluate the training set as the test set (<see cref="TrainerOptions.EvaluateTrain"/>).</summary>
    public bool EvalTrain { get; init; }
    /// <summary>
    /// "evalEvery": evaluate the test set after every this many epochs and after the last (default 1;
    /// <see cref="TrainerOptions.EvaluateEvery"/>).
    /// </summary>
    public int EvalEvery { get; init; } = 1;
    /// <summary>The number of weight stages of <see cref="Network"/>.</summary>
    public int Stages { get; init; }
    /// <summary>The canonical form: sorted keys, defaults filled, invariant numbers, indented with "\n" (what config.json holds).</summary>
    public string CanonicalJson { get; init; } = "";
    /// <summary>The first 12 hex digits of SHA-256(<see cref="CanonicalJson"/> as UTF-8).</summary>
    public string RunId { get; init; } = "";

    public TrainingPlan Plan => new TrainingPlan
    {
        TimeSteps = TimeSteps,
        Truncation = Truncation,
        BlockSize = BlockSize,
        BlockBoundaries = BlockBoundaries,
        Update = Update,
        Head = Head,
        Loss = Loss,
        LossWindow = LossWindow,
        SampledSteps = SampledSteps,
        Method = Method,
        PresynapticTrace = PresynapticTrace,
    }.ValidatedFor(Stages);

    /// <summary>The registry's facts about <see cref="Dataset"/>.</summary>
    public DatasetInfo DatasetInfo => DatasetRegistry.Find(Dataset);

    public bool IsEventData => DatasetInfo.IsEvent;

    /// <summary>Per-step input shape of the dataset.</summary>
    public long[] InputShape => DatasetInfo.InputShape(Size);

    public int Classes => DatasetInfo.Classes;

    public TrainerOptions TrainerOptions() => new()
    {
        Epochs = Epochs,
        BatchSize = Batch,
        EvalBatchSize = EvalBatch,
        LearningRate = LearningRate,
        CosineSchedule = Cosine,
        Optimizer = Optimizer,
        Seed = Seed,
        EvaluateTrain = EvalTrain,
        EvaluateEvery = EvalEvery,
    };

    /// <summary>Reads a config file; a missing "experiment" defaults to the file name without extension.</summary>
    public static ExperimentConfig Load(string path, Profile? profile = null)
    {
        if (!File.Exists(path)) throw new ExperimentConfigException(path, "config file not found.");
        return Parse(File.ReadAllText(path), Path.GetFileNameWithoutExtension(path), profile);
    }

    /// <summary>
    /// Parses and validates a config (JSON, comments allowed). The overrides under "profiles" of the active profile
    /// ("profile" in the config, else <paramref name="profile"/>, else none) are merged in first. Throws
    /// <see cref="ExperimentConfigException"/> naming the key path. Reads no files and leaves the global RNG as it was.
    /// </summary>
    public static ExperimentConfig Parse(string json, string? defaultExperiment = null, Profile? profile = null)
    {
        JsonObject root;
        try
        {
            var options = new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true };
            root = JsonNode.Parse(json, documentOptions: options) as JsonObject
                ?? throw new ExperimentConfigException("(config)", "expected a JSON object { … } at the top.");
        }
        catch (JsonException e) { throw new ExperimentConfigException("(config)", $"not valid JSON: {e.Message}"); }
        catch (ArgumentException e) { throw new ExperimentConfigException("(config)", $"not valid JSON: {e.Message}"); }   // duplicate keys
        CheckSchema(root, "");
        var r = new ConfigReader(root, "");
        var active = r.Choice("profile", ProfileNames) ?? profile?.ToString().ToLowerInvariant();
        if (r.Object("profiles") is { } profiles)
        {
            ConfigReader.CheckKeys(profiles, "profiles", ProfileNames);
            foreach (var (name, overrides) in profiles)
            {
                if (overrides is not JsonObject o)
                    throw new ExperimentConfigException($"profiles.{name}", $"expected an object of overrides; got {ConfigReader.Describe(overrides)}.");
                if (o.ContainsKey("profile") || o.ContainsKey("profiles"))
                    throw new ExperimentConfigException($"profiles.{name}", "overrides may not set profile or profiles.");
                CheckSchema(o, $"profiles.{name}");
            }
            if (active is not null && profiles[active] is JsonObject chosen) Merge(root, chosen);
        }
        return Read(root, defaultExperiment);
    }

    private static void CheckSchema(JsonObject node, string prefix)
    {
        ConfigReader.CheckKeys(node, prefix, RootKeys);
        foreach (var (key, allowed) in new[] { ("dataset", DatasetKeys), ("plan", PlanKeys), ("optimizer", OptimizerKeys) })
            if (new ConfigReader(node, prefix).Object(key) is { } child) ConfigReader.CheckKeys(child, ConfigReader.PathOf(prefix, key), allowed);
    }

    // Deep merge: objects merge key by key, anything else replaces.
    private static void Merge(JsonObject target, JsonObject overrides)
    {
        foreach (var (key, value) in overrides.ToList())
        {
            if (value is JsonObject o && target[key] is JsonObject t) Merge(t, o);
            else target[key] = value?.DeepClone();
        }
    }

    private static ExperimentConfig Read(JsonObject root, string? defaultExperiment)
    {
        var r = new ConfigReader(root, "");
        var experiment = r.String("experiment") ?? defaultExperiment
            ?? throw new ExperimentConfigException("experiment", "required: the experiment name (the results folder results/<experiment>/).");
        if (experiment.Length == 0 || experiment.Length > 100
            || !experiment.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.') || experiment.StartsWith('.'))
            throw new ExperimentConfigException("experiment",
                $"'{experiment}' is not a folder name; use letters, digits, '-', '_' and '.' (not first), at most 100 characters.");

        var data = new ConfigReader(r.Object("dataset")
            ?? throw new ExperimentConfigException("dataset", $"required: an object with \"name\" ({string.Join(", ", Datasets)})."), "dataset");
        var dataset = data.Choice("name", Datasets)
            ?? throw new ExperimentConfigException("dataset.name", $"required; expected one of: {string.Join(", ", Datasets)}.");
        var info = DatasetRegistry.Find(dataset);
        var timeSteps = r.Int("T", 1, 10_000) ?? 4;
        var events = info.IsEvent;
        var encoding = data.Choice("encoding", Encodings);
        if (events && encoding is not null)
            throw new ExperimentConfigException("dataset.encoding",
                $"{dataset} gives event frames; encoding applies to {string.Join(", ", Datasets.Except(EventDatasets))} only (remove it).");
        var timeBins = data.Int("timeBins", 1, 10_000);
        if (!events && timeBins is not null)
            throw new ExperimentConfigException("dataset.timeBins", $"time bins apply to event data ({string.Join(", ", EventDatasets)}) only (remove it).");
        var size = ReadSize(data, info);
        if (timeBins is { } bins && bins != timeSteps)
            throw new ExperimentConfigException("dataset.timeBins", $"the frames are the time steps: timeBins must equal T = {timeSteps}; got {bins}.");
        var trainSubset = data.Int("trainSubset", 1) ?? info.DefaultTrainSubset;
        var testSubset = data.Int("testSubset", 1) ?? info.DefaultTestSubset;

        var plan = new ConfigReader(r.Object("plan") ?? [], "plan");
        // A related method sets the defaults of the knobs that define it; a key that contradicts them is refused below.
        var method = plan.Choice("method", Methods) is { } methodName ? ToEnum<RelatedMethod>(methodName) : (RelatedMethod?)null;
        var knobs = method?.Knobs();
        int k;
        if (plan.Has("K") && root["plan"]!["K"] is JsonValue kv && kv.GetValueKind() == JsonValueKind.String)
            k = plan.Choice("K", ["T"]) is not null ? timeSteps : 0;
        else k = plan.Int("K", 1, timeSteps, hint: $" (1 … T = {timeSteps}, or \"T\")") ?? (method is null ? timeSteps : 1);
        int? blockSize = null;
        if (plan.Has("B") && root["plan"]!["B"] is JsonValue bv && bv.GetValueKind() == JsonValueKind.String)
            _ = plan.Choice("B", ["all"]);
        else blockSize = plan.Int("B", 1, hint: " stages per block (or \"all\")")
            ?? (knobs is { BlockPerStage: true } && !plan.Has("blocks") ? 1 : null);
        var boundaries = plan.IntArray("blocks", "an array of first-stage indices of the blocks after the first, e.g. [2, 4]");
        if (boundaries is not null && blockSize is not null)
            throw new ExperimentConfigException("plan.blocks", "give either plan.B or plan.blocks, not both.");
        if (boundaries is { Count: 0 }) boundaries = null;
        var update = ToEnum<UpdatePolicy>(plan.Choice("update", Updates) ?? (knobs is { } u ? Kebab(u.Update) : Updates[0]));
        var head = ToEnum<LocalHeadKind>(plan.Choice("head", Heads) ?? (knobs is { } h ? Kebab(h.Head) : Heads[0]));
        var loss = ToEnum<LossKind>(plan.Choice("loss", Losses) ?? (knobs is { } o ? Kebab(o.Loss) : Losses[0]));
        var sampledSteps = plan.Int("sampledSteps", 1, timeSteps, hint: $" steps backpropagated per batch (T = {timeSteps})");
        var presynapticTrace = plan.Bool("presynapticTrace") ?? (knobs?.PresynapticTrace ?? false);
        if (method is { } related) CheckMethod(related, Kebab(related), k, blockSize, boundaries, update, head, sampledSteps, presynapticTrace);
        else if (sampledSteps is not null && (k != 1 || update != UpdatePolicy.Accumulate))
            throw new ExperimentConfigException("plan.sampledSteps",
                $"sampled steps need plan.K = 1 and plan.update \"accumulate\" (SLTT-K; or set plan.method \"sltt-k\"); got K = {k}, update {Kebab(update)}.");
        var lossWindow = plan.Int("lossWindow", 1, timeSteps, hint: $" steps per loss chunk (T = {timeSteps}; at most K = {k})");
        if (lossWindow is { } l && l > k)
            throw new ExperimentConfigException("plan.lossWindow",
                $"expected an integer in 1 … K = {k} (the loss is scored within gradient windows of K steps); got {l}.");
        if (lossWindow == k) lossWindow = null;   // one chunk per window: the plan without the key, and its run id
        if (presynapticTrace && k != 1)
            throw new ExperimentConfigException("plan.presynapticTrace", $"OTTT's presynaptic trace needs K = 1 (an instantaneous loss per step); got K = {k}: "
                + "a longer window already backpropagates the membrane's temporal route, which the trace would count twice.");

        var optimizer = new ConfigReader(r.Object("optimizer") ?? [], "optimizer");
        var lr = optimizer.PositiveDouble("lr") ?? 1e-3;
        var cosine = optimizer.Bool("cosine") ?? true;
        var optimizerSettings = ReadOptimizer(optimizer);

        var text = r.String("device") ?? "cpu";
        var device = DeviceName.Parse(text)
            ?? throw new ExperimentConfigException("device", $"'{text.Trim().ToLowerInvariant()}' is not a device; expected {DeviceName.Expected}.");

        var config = new ExperimentConfig
        {
            Experiment = experiment,
            Dataset = dataset,
            Encoding = events ? null : encoding ?? "direct",
            TrainSubset = trainSubset,
            TestSubset = testSubset,
            TimeBins = events ? timeSteps : null,
            Size = size,
            Network = "",
            TimeSteps = timeSteps,
            Truncation = k,
            BlockSize = blockSize,
            BlockBoundaries = boundaries,
            Update = update,
            Head = head,
            Loss = loss,
            LossWindow = lossWindow,
            Method = method,
            SampledSteps = sampledSteps,
            PresynapticTrace = presynapticTrace,
            LearningRate = lr,
            Cosine = cosine,
            Optimizer = optimizerSettings,
            Epochs = r.Int("epochs", 1) ?? 1,
            Batch = r.Int("batch", 1) ?? 64,
            EvalBatch = r.Int("evalBatch", 1) ?? 500,
            Seed = r.Int("seed", int.MinValue) ?? 0,
            Device = device,
            Precision = r.Choice("precision", Precisions) == "bf16" ? SynapsePrecision.BFloat16 : SynapsePrecision.Full,
            ConvolutionLayout = r.Choice("convolutionLayout", ConvolutionLayouts) == "channels-last"
                ? ConvolutionLayout.ChannelsLast : ConvolutionLayout.Planar,
            SynapseChunk = r.Int("synapseChunk", 1, hint: " samples (time steps × batch) per call of each pooling stage's synapse and pooling"),
            Arm = ReadArm(r),
            EvalTrain = r.Bool("evalTrain") ?? false,
            EvalEvery = r.Int("evalEvery", 1, hint: " epochs (1: after every epoch)") ?? 1,
        };
        var network = ResolveNetwork(r.String("network") ?? throw new ExperimentConfigException("network",
            $"required: a network spec (e.g. \"{Zoo.CsnnSpec}\") or a zoo name ({string.Join(", ", ZooNames)})."), config);
        var stages = CountStages(network, config);
        if (blockSize is { } b && b > stages)
            throw new ExperimentConfigException("plan.B", $"B = {b} exceeds the {stages} weight stages of {network}; allowed 1 … {stages} (or \"all\").");
        if (boundaries is not null)
            for (var i = 0; i < boundaries.Count; i++)
                if (boundaries[i] < 1 || boundaries[i] >= stages || (i > 0 && boundaries[i] <= boundaries[i - 1]))
                    throw new ExperimentConfigException("plan.blocks", $"block starts must be strictly increasing stage indices in 1 … {stages - 1} "
                        + $"({network} has {stages} stages); got [{string.Join(", ", boundaries)}].");
        if (presynapticTrace && config.Precision == SynapsePrecision.BFloat16)
            throw new ExperimentConfigException(plan.Has("presynapticTrace") ? "plan.presynapticTrace" : "plan.method",
                "the presynaptic trace runs full-precision synapses only; remove \"precision\": \"bf16\" or the trace.");
        config = config with { Network = network, Stages = stages };
        var canonical = Canonical(config);
        var runId = Convert.ToHexStringLower(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(canonical)))[..12];
        return config with { CanonicalJson = canonical, RunId = runId };
    }

    // The knobs that define a related method (RelatedMethods.Knobs; TrainingPlan.Validated says the same for plans built in code).
    private static void CheckMethod(RelatedMethod method, string name, int k, int? blockSize, IReadOnlyList<int>? boundaries, UpdatePolicy update,
        LocalHeadKind head, int? sampledSteps, bool presynapticTrace)
    {
        var knobs = method.Knobs();
        var perStage = knobs.BlockPerStage;
        var (key, expected, got) =
            k != 1 ? ("plan.K", "K = 1 (a gradient window per step)", $"K = {k}")
            : perStage && boundaries is not null ? ("plan.blocks", "every stage its own block (B = 1)", "explicit block boundaries")
            : perStage && blockSize != 1 ? ("plan.B", "every stage its own block (B = 1)", blockSize is { } b ? $"B = {b}" : "\"all\"")
            : !perStage && boundaries is not null ? ("plan.blocks", "one block (no B, no boundaries)", "block boundaries")
            : !perStage && blockSize is not null ? ("plan.B", "one block (B \"all\")", $"B = {blockSize}")
            : update != knobs.Update ? ("plan.update", $"update \"{Kebab(knobs.Update)}\"", $"\"{Kebab(update)}\"")
            : perStage && head != knobs.Head ? ("plan.head", $"local readouts of head \"{Kebab(knobs.Head)}\"", $"\"{Kebab(head)}\"")
            : presynapticTrace != knobs.PresynapticTrace
                ? ("plan.presynapticTrace", knobs.PresynapticTrace ? "the presynaptic trace" : "no presynaptic trace (it is \"ottt-a\"'s and \"ottt-o\"'s)",
                    presynapticTrace ? "true" : "false")
            : knobs.SampledSteps && sampledSteps is null
                ? ("plan.sampledSteps", "the number k of steps backpropagated per batch (1 … T)", "none")
            : !knobs.SampledSteps && sampledSteps is not null
                ? ("plan.sampledSteps", "every step backpropagated (sampled steps are \"sltt-k\"'s)", $"{sampledSteps}")
            : ("", "", "");
        if (key.Length > 0)
            throw new ExperimentConfigException(key, $"plan.method \"{name}\" trains with {expected}; got {got} (remove the key, or the method).");
    }

    // Adam unless "name" says sgd; momentum and nesterov are SGD's, so they are refused with Adam rather than ignored.
    private static OptimizerSettings ReadOptimizer(ConfigReader optimizer)
    {
        var sgd = (optimizer.Choice("name", OptimizerNames) ?? "adam") == "sgd";
        foreach (var key in new[] { "momentum", "nesterov" })
            if (!sgd && optimizer.Has(key))
                throw new ExperimentConfigException(optimizer.PathOf(key),
                    $"applies to SGD only; set \"optimizer\": {{ \"name\": \"sgd\" }} or remove it (Adam's betas are fixed).");
        var momentum = optimizer.Double("momentum", 0, 1, maxInclusive: false, hint: " (0: plain SGD; 0.9 as in SLTT and OTTT)") ?? 0.9;
        var weightDecay = optimizer.Double("weightDecay", 0, double.PositiveInfinity, hint: " (an L2 penalty added to the gradient; 0: none)") ?? 0;
        var nesterov = optimizer.Bool("nesterov") ?? false;
        if (nesterov && momentum == 0)
            throw new ExperimentConfigException(optimizer.PathOf("nesterov"), "Nesterov momentum needs optimizer.momentum > 0; got momentum 0.");
        return sgd ? OptimizerSettings.Sgd(momentum, weightDecay, nesterov) : OptimizerSettings.Adam(weightDecay);
    }

    // The frame side: required range per dataset, default the published size (no downsampling).
    private static int? ReadSize(ConfigReader data, DatasetInfo dataset)
    {
        if (!dataset.IsSized)
            return data.Has("size")
                ? throw new ExperimentConfigException("dataset.size", $"a frame size applies to {string.Join(", ", SizedDatasets)} only (remove it).")
                : null;
        if (dataset.SensorSize is not { } sensor)
            return data.Int("size", dataset.MinSize, dataset.MaxSize, hint: " px (the emulated sensor's side)") ?? dataset.DefaultSize;
        var size = data.Int("size", dataset.MinSize, dataset.MaxSize, hint: $" px; a divisor of {sensor}: 128, 64, 32, 16 …") ?? dataset.DefaultSize;
        if (sensor % size != 0)
            throw new ExperimentConfigException("dataset.size",
                $"{dataset.Name} is recorded at {sensor}×{sensor} and downsampled by an integer factor: size must divide {sensor} (128, 64, 32, 16 …); "
                + $"got {size}.");
        return size;
    }

    private static string ResolveNetwork(string network, ExperimentConfig c) => network.Trim().ToLowerInvariant() switch
    {
        // The quickstart CSNN with a readout for the dataset's classes (the same spec for 10 classes).
        "csnn" => Zoo.CsnnSpec[..Zoo.CsnnSpec.LastIndexOf("FC", StringComparison.Ordinal)] + $"FC{c.Classes}",
        "lenet" => Zoo.LeNetSpec(c.Classes),
        "lenet-bn" => Zoo.LeNetSpec(c.Classes, batchNorm: true),
        "mlp" => Zoo.MlpSpec(classes: c.Classes),
        "alexnet" => c.InputShape is [2, var side, _] && side is 48 or 64 or 128
            ? Zoo.AlexNetSpec((int)side, c.Classes)
            : throw new ExperimentConfigException("network", "alexnet (Zoo.AlexNetSpec) takes 2×48×48, 2×64×64 or 2×128×128 event frames; "
                + $"{c.Dataset} gives [{string.Join("×", c.InputShape)}] (set dataset.size to 48, 64 or 128, or give a spec)."),
        _ => network.Trim(),
    };

    // Builds the network once to check the spec against the data and count its stages; the global RNG is restored.
    private static int CountStages(string spec, ExperimentConfig config)
    {
        using var scope = torch.NewDisposeScope();
        var rng = torch.random.get_rng_state();
        try
        {
            using var net = NetworkSpec.Build(spec, config.InputShape);
            if (net.Classes != config.Classes)
                throw new ExperimentConfigException("network",
                    $"{spec} has {net.Classes} outputs but {config.Dataset} has {config.Classes} classes; end the spec with FC{config.Classes}.");
            return net.Stages.Count;
        }
        catch (NetworkSpecException e)
        {
            throw new ExperimentConfigException("network",
                $"{e.Message} (input [{string.Join("×", config.InputShape)}] from {config.Dataset}; zoo names: {string.Join(", ", ZooNames)}).");
        }
        finally
        {
            torch.random.set_rng_state(rng);
        }
    }

    private static string? ReadArm(ConfigReader r)
    {
        var arm = r.String("arm");
        if (arm is not null && (arm.Length is 0 or > 80 || !arm.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.')))
            throw new ExperimentConfigException("arm", $"'{arm}' is not an arm label; use 1–80 letters, digits, '-', '_' or '.'.");
        return arm;
    }

    private static T ToEnum<T>(string kebab) where T : struct, Enum =>
        Enum.Parse<T>(kebab.Replace("-", "", StringComparison.Ordinal), ignoreCase: true);

    private static string Kebab<T>(T value) where T : struct, Enum =>
        string.Concat(value.ToString().Select((c, i) => char.IsUpper(c) && i > 0 ? $"-{char.ToLowerInvariant(c)}" : char.ToLowerInvariant(c).ToString()));

    private static string Canonical(ExperimentConfig c)
    {
        var tree = new SortedDictionary<string, object?>(StringComparer.Ordinal)
        {
            ["experiment"] = c.Experiment,
            ["dataset"] = new SortedDictionary<string, object?>(StringComparer.Ordinal)
            {
                ["name"] = c.Dataset,
                ["encoding"] = c.Encoding,
                ["trainSubset"] = c.TrainSubset,
                ["testSubset"] = c.TestSubset,
                ["timeBins"] = c.TimeBins,
            },
            ["network"] = c.Network,
            ["T"] = c.TimeSteps,
            ["plan"] = new SortedDictionary<string, object?>(StringComparer.Ordinal)
            {
                ["K"] = c.Truncation,
                ["B"] = c.BlockSize is { } b ? b : "all",
                ["blocks"] = c.BlockBoundaries,
                ["update"] = Kebab(c.Update),
                ["head"] = Kebab(c.Head),
                ["loss"] = Kebab(c.Loss),
            },
            ["optimizer"] = new SortedDictionary<string, object?>(StringComparer.Ordinal) { ["lr"] = c.LearningRate, ["cosine"] = c.Cosine },
            ["epochs"] = c.Epochs,
            ["batch"] = c.Batch,
            ["evalBatch"] = c.EvalBatch,
            ["seed"] = c.Seed,
            ["device"] = c.Device,
        };
        // Only where it applies, so the configs (and run ids) of the other datasets stay as they were before the key existed.
        if (c.Size is { } size) ((SortedDictionary<string, object?>)tree["dataset"]!)["size"] = size;
        if (c.Precision == SynapsePrecision.BFloat16) tree["precision"] = "bf16";
        if (c.ConvolutionLayout == ConvolutionLayout.ChannelsLast) tree["convolutionLayout"] = "channels-last";
        if (c.SynapseChunk is { } synapseChunk) tree["synapseChunk"] = synapseChunk;
        // Only what differs from Adam without weight decay, so that the configs (and run ids) of Adam runs stay as they were.
        var optimizer = (SortedDictionary<string, object?>)tree["optimizer"]!;
        if (c.Optimizer.Kind == OptimizerKind.Sgd)
        {
            optimizer["name"] = "sgd";
            optimizer["momentum"] = c.Optimizer.Momentum;
            if (c.Optimizer.Nesterov) optimizer["nesterov"] = true;
        }
        if (c.Optimizer.WeightDecay != 0) optimizer["weightDecay"] = c.Optimizer.WeightDecay;
        if (c.LossWindow is { } lossWindow) ((SortedDictionary<string, object?>)tree["plan"]!)["lossWindow"] = lossWindow;
        if (c.Method is { } method) ((SortedDictionary<string, object?>)tree["plan"]!)["method"] = Kebab(method);
        if (c.SampledSteps is { } sampled) ((SortedDictionary<string, object?>)tree["plan"]!)["sampledSteps"] = sampled;
        if (c.PresynapticTrace) ((SortedDictionary<string, object?>)tree["plan"]!)["presynapticTrace"] = true;
        if (c.EvalTrain) tree["evalTrain"] = true;
        if (c.EvalEvery != 1) tree["evalEvery"] = c.EvalEvery;
        if (c.Arm is { } arm) tree["arm"] = arm;
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true, NewLine = "\n" }))
            Write(writer, tree);
        return System.Text.Encoding.UTF8.GetString(buffer.ToArray()) + "\n";
    }

    private static void Write(Utf8JsonWriter w, object? value)
    {
        switch (value)
        {
            case null: w.WriteNullValue(); break;
            case string s: w.WriteStringValue(s); break;
            case bool b: w.WriteBooleanValue(b); break;
            case int i: w.WriteNumberValue(i); break;
            case double d: w.WriteNumberValue(d); break;   // shortest round-trip form, invariant
            case IReadOnlyList<int> list:
                w.WriteStartArray();
                foreach (var i in list) w.WriteNumberValue(i);
                w.WriteEndArray();
                break;
            case SortedDictionary<string, object?> map:
                w.WriteStartObject();
                foreach (var (key, item) in map) { w.WritePropertyName(key); Write(w, item); }
                w.WriteEndObject();
                break;
            default: throw new InvalidOperationException($"Cannot write {value.GetType()}.");
        }
    }

    /// <summary>
    /// Checks what the config needs from this machine (the dataset files, the device) before anything is written;
    /// throws <see cref="ExperimentConfigException"/> naming the key.
    /// </summary>
    public void CheckAvailable()
    {
        // Directory and list-file checks only (nothing is read); data made in memory needs none.
        if (DatasetInfo is { NeedsFiles: true } info && info.Locate() is null)
            throw new ExperimentConfigException("dataset.name", info.NotPresent());
        if (Device != "cpu" && !torch.cuda.is_available())
            throw new ExperimentConfigException("device", $"{Device} requested but CUDA is not available on this machine; use \"cpu\".");
    }
}
