namespace Snn.Plans;

/// <summary>
/// What the trainer does with time and depth. Time: T steps per sample, cut into windows of K steps
/// (truncation length; a shorter last window when K does not divide T). Depth: the network's stages
/// grouped into blocks of B consecutive stages (or explicit boundaries); every block but the last
/// learns from a local head, the last from the network readout. Gradients stop at window and block
/// borders; neuron state carries on detached (by value). With Accumulate the forward pass is therefore the same for
/// every K and B; with per-window updates later windows run with weights already updated, so it depends on K and B.
/// K = T with one block is plain BPTT. The loss is scored per gradient window, or with <see cref="LossWindow"/> L &lt; K
/// per chunk of L steps inside each window: <see cref="BpttWindowedLoss"/> is BPTT's gradient on a truncated plan's loss.
/// Related methods are points of this space under their own names (<see cref="Method"/>: <see cref="Sltt"/>,
/// <see cref="Decolle"/>); SLTT-K (<see cref="SlttK"/>) adds one mechanism, <see cref="SampledSteps"/>.
/// </summary>
public sealed record TrainingPlan
{
    /// <summary>T: simulated time steps per sample.</summary>
    public int TimeSteps { get; init; } = 8;

    /// <summary>K: truncation length; null means K = T (no truncation).</summary>
    public int? Truncation { get; init; }

    /// <summary>B: stages (weight layers, readout included) per block; null means one block. The last block may be smaller.</summary>
    public int? BlockSize { get; init; }

    /// <summary>
    /// Explicit first-stage indices of blocks after the first, strictly increasing (e.g. [2] splits 0–1 | 2…). Overrides
    /// <see cref="BlockSize"/>.
    /// </summary>
    public IReadOnlyList<int>? BlockBoundaries { get; init; }

    public UpdatePolicy Update { get; init; } = UpdatePolicy.PerWindowAndBlock;
    public LocalHeadKind Head { get; init; } = LocalHeadKind.PoolLinear;
    public LossKind Loss { get; init; } = LossKind.CrossEntropy;

    /// <summary>
    /// L: the loss is scored per consecutive chunk of L steps inside each gradient window (the last chunk may be
    /// shorter); a window of W steps has the loss Σ_c (|c| / W)·loss(mean over chunk c). Null (or L ≥ the window)
    /// scores the whole window, as a plan without it. 1 ≤ L ≤ K. With K = T and Accumulate this is BPTT on exactly the
    /// objective an accumulating plan with K = L has: the same loss, the full gradient.
    /// </summary>
    public int? LossWindow { get; init; }

    /// <summary>
    /// SLTT-K's k (not the truncation length K): with K = 1 and Accumulate, only k of the T steps, drawn at random per
    /// batch (<c>randperm(T)[:k]</c> from a generator seeded by the run's seed), backpropagate; the others run forward
    /// without a graph, their loss scored for the metrics only. Null: every step backpropagates.
    /// </summary>
    public int? SampledSteps { get; init; }

    /// <summary>The published method the plan reproduces (it names the plan); null: named after what it cuts.</summary>
    public RelatedMethod? Method { get; init; }

    /// <summary>
    /// OTTT's presynaptic-trace weight gradient (Xiao et al. 2022) on every synapse whose input is another stage's output:
    /// forward and input gradient as without it, the weight gradient Σ_t δ[t] ⊗ â[t] with the trace
    /// â[t] = λ·â[t−1] + s[t] instead of the spike s[t], λ the leak of the neuron the synapse feeds. Needs K = 1: a longer
    /// window's gradient already carries the membrane's temporal route, which the trace would count a second time.
    /// </summary>
    public bool PresynapticTrace { get; init; }

    /// <summary>The effective K.</summary>
    public int WindowLength => Truncation ?? TimeSteps;

    /// <summary>True when the loss is scored on chunks shorter than the gradient window (L &lt; K).</summary>
    public bool HasLossWindow => LossWindow is { } l && l < WindowLength;

    public static TrainingPlan Bptt(int timeSteps) => new TrainingPlan { TimeSteps = timeSteps }.Validated();

    public static TrainingPlan Truncated(int timeSteps, int truncation) =>
        new TrainingPlan { TimeSteps = timeSteps, Truncation = truncation }.Validated();

    /// <summary>
    /// BPTT (K = T, one block, <see cref="UpdatePolicy.Accumulate"/>) with the loss scored per window of
    /// <paramref name="lossWindow"/> steps: the control that separates the truncated gradient from the windowed loss.
    /// Its loss equals that of <c>Truncated(T, lossWindow) with { Update = Accumulate }</c>; its gradient is the full one.
    /// </summary>
    public static TrainingPlan BpttWindowedLoss(int timeSteps, int lossWindow) =>
        new TrainingPlan { TimeSteps = timeSteps, LossWindow = lossWindow, Update = UpdatePolicy.Accumulate }.Validated();

    /// <summary>Local training with blocks of <paramref name="blockSize"/> stages, K = T.</summary>
    public static TrainingPlan Local(int timeSteps, int blockSize) =>
        new TrainingPlan { TimeSteps = timeSteps, BlockSize = blockSize }.Validated();

    /// <summary>Temporally truncated local training (the paper's TT-Local): windows of K steps, blocks of B stages.</summary>
    public static TrainingPlan TruncatedLocal(int timeSteps, int truncation, int blockSize) =>
        new TrainingPlan { TimeSteps = timeSteps, Truncation = truncation, BlockSize = blockSize }.Validated();

    /// <summary>
    /// SLTT (Meng et al., ICCV 2023): a loss per step, the gradient through the layers at that step only (the temporal
    /// routes dropped), summed over the T steps into one update per batch — K = 1, one block, Accumulate.
    /// </summary>
    public static TrainingPlan Sltt(int timeSteps) => For(RelatedMethod.Sltt, timeSteps);

    /// <summary>SLTT-K: SLTT that backpropagates only <paramref name="sampledSteps"/> of the T steps, drawn at random per batch.</summary>
    public static TrainingPlan SlttK(int timeSteps, int sampledSteps) => For(RelatedMethod.SlttK, timeSteps, sampledSteps);

    /// <summary>
    /// OTTT (Xiao et al., NeurIPS 2022): an instantaneous loss per step (K = 1, no temporal route), one block, the
    /// presynaptic trace on. <paramref name="online"/> false: OTTT_A, gradients accumulate over the T steps and the
    /// optimizer steps once per batch; true: OTTT_O, the optimizer steps after every step.
    /// </summary>
    public static TrainingPlan Ottt(int timeSteps, bool online) => For(online ? RelatedMethod.OtttO : RelatedMethod.OtttA, timeSteps);

    /// <summary>
    /// DECOLLE (Kaiser, Mostafa and Neftci 2020): every stage its own block with a fixed random readout and a local MSE
    /// loss, updated at every step — K = 1, B = 1, <see cref="LocalHeadKind.FixedRandom"/>, <see cref="LossKind.RateMse"/>,
    /// per-window-and-block updates.
    /// </summary>
    public static TrainingPlan Decolle(int timeSteps) => For(RelatedMethod.Decolle, timeSteps);

    /// <summary>
    /// The plan of <paramref name="method"/> over <paramref name="timeSteps"/> steps: K = 1 and the method's knobs
    /// (<see cref="RelatedMethods.Knobs"/>); <paramref name="sampledSteps"/> is SLTT-K's k (null for the others).
    /// </summary>
    public static TrainingPlan For(RelatedMethod method, int timeSteps, int? sampledSteps = null)
    {
        var knobs = method.Knobs();
        return new TrainingPlan
        {
            TimeSteps = timeSteps,
            Truncation = 1,
            BlockSize = knobs.BlockPerStage ? 1 : null,
            Update = knobs.Update,
            Head = knobs.Head,
            Loss = knobs.Loss,
            PresynapticTrace = knobs.PresynapticTrace,
            SampledSteps = sampledSteps,
            Method = method,
        }.Validated();
    }

    /// <summary>
    /// The same plan over <paramref name="timeSteps"/> steps (e.g. memory against T): a window as long as T stays as long
    /// as T (BPTT stays BPTT), a shorter one keeps its K; SLTT-K keeps its k, at most the new T.
    /// </summary>
    public TrainingPlan WithTimeSteps(int timeSteps) => (this with
    {
        TimeSteps = timeSteps,
        Truncation = WindowLength >= TimeSteps ? null : Truncation,
        SampledSteps = SampledSteps is { } k ? Math.Min(k, timeSteps) : null,
    }).Validated();

    /// <summary>Windows (first step, length) covering 0 … T−1 in order.</summary>
    public IEnumerable<(int Start, int Length)> Windows()
    {
        for (var start = 0; start < TimeSteps; start += WindowLength)
            yield return (start, Math.Min(WindowLength, TimeSteps - start));
    }

    public int WindowCount => (TimeSteps + WindowLength - 1) / WindowLength;

    /// <summary>Optimizer steps of each block per batch: one per window with per-window updates, else one.</summary>
    public int UpdatesPerBatch => Update == UpdatePolicy.PerWindowAndBlock ? WindowCount : 1;

    /// <summary>Loss chunks (first step within the window, length) of a window of <paramref name="windowLength"/> steps, in order.</summary>
    public IEnumerable<(int Start, int Length)> LossChunks(int windowLength)
    {
        var l = Math.Min(LossWindow ?? windowLength, windowLength);
        for (var start = 0; start < windowLength; start += l)
            yield return (start, Math.Min(l, windowLength - start));
    }

    /// <summary>Blocks (first stage, number of stages) covering a network of <paramref name="stageCount"/> stages, in order.</summary>
    public IReadOnlyList<(int Start, int Count)> Blocks(int stageCount)
    {
        ValidatedFor(stageCount);
        var starts = new List<int> { 0 };
        if (BlockBoundaries is { } explicitStarts) starts.AddRange(explicitStarts);
        else if (BlockSize is { } b) for (var s = b; s < stageCount; s += b) starts.Add(s);
        return starts.Select((s, i) => (s, (i + 1 < starts.Count ? starts[i + 1] : stageCount) - s)).ToList();
    }

    /// <summary>True when the plan may split the network (B or boundaries given).</summary>
    public bool IsLocal => BlockSize is not null || BlockBoundaries is { Count: > 0 };

    /// <summary>Throws with the offending knob's name and value when the plan is impossible.</summary>
    public TrainingPlan Validated()
    {
        if (TimeSteps < 1) throw new ArgumentOutOfRangeException(nameof(TimeSteps), TimeSteps, "Time steps T must be ≥ 1.");
        if (Truncation is { } k && (k < 1 || k > TimeSteps))
            throw new ArgumentOutOfRangeException(nameof(Truncation), k, $"Truncation length K must be in 1 … T = {TimeSteps}.");
        if (LossWindow is { } l && (l < 1 || l > TimeSteps))
            throw new ArgumentOutOfRangeException(nameof(LossWindow), l, $"Loss window L must be in 1 … T = {TimeSteps}.");
        if (LossWindow is { } lw && lw > WindowLength)
            throw new ArgumentOutOfRangeException(nameof(LossWindow), lw,
                $"Loss window L = {lw} exceeds the truncation length K = {WindowLength}: the loss is scored within gradient windows, so L must be in 1 … K.");
        if (BlockSize is { } b && b < 1)
            throw new ArgumentOutOfRangeException(nameof(BlockSize), b, "Block size B must be ≥ 1 stage.");
        if (BlockBoundaries is { } starts)
        {
            if (BlockSize is not null)
                throw new ArgumentException("Give either a block size B or explicit block boundaries, not both.", nameof(BlockBoundaries));
            for (var i = 0; i < starts.Count; i++)
                if (starts[i] < 1 || (i > 0 && starts[i] <= starts[i - 1]))
                    throw new ArgumentException("Block boundaries must be strictly increasing stage indices ≥ 1 (each is the first stage of a new block); "
                        + $"got [{string.Join(", ", starts)}].", nameof(BlockBoundaries));
        }
        if (PresynapticTrace && WindowLength > 1)
            throw new ArgumentException($"PresynapticTrace needs K = 1 (got K = {WindowLength}): OTTT's trace stands in for the membrane's temporal route, "
                + "which a window of K > 1 steps already backpropagates, so the two would count it twice.", nameof(PresynapticTrace));
        if (!Enum.IsDefined(Update)) throw new ArgumentOutOfRangeException(nameof(Update), Update, "Unknown update policy.");
        if (!Enum.IsDefined(Head)) throw new ArgumentOutOfRangeException(nameof(Head), Head, "Unknown local head kind.");
        if (!Enum.IsDefined(Loss)) throw new ArgumentOutOfRangeException(nameof(Loss), Loss, "Unknown loss.");
        if (SampledSteps is { } sampled)
        {
            if (sampled < 1 || sampled > TimeSteps)
                throw new ArgumentOutOfRangeException(nameof(SampledSteps), sampled,
                    $"Sampled steps k must be in 1 … T = {TimeSteps} (the steps backpropagated per batch).");
            if (WindowLength != 1)
                throw new ArgumentException($"Sampled steps need K = 1 (each step its own window); got K = {WindowLength}.", nameof(SampledSteps));
            if (Update != UpdatePolicy.Accumulate)
                throw new ArgumentException("Sampled steps need Update = Accumulate (the chosen steps' gradients add up into one update per batch).",
                    nameof(SampledSteps));
        }
        if (Method is { } method) ValidateMethod(method);
        return this;
    }

    // A method's name is a promise about its defining knobs (RelatedMethods.Knobs): refuse a plan that keeps the name but not the knobs.
    private void ValidateMethod(RelatedMethod method)
    {
        if (!Enum.IsDefined(method)) throw new ArgumentOutOfRangeException(nameof(Method), method, "Unknown related method.");
        var knobs = method.Knobs();
        var name = knobs.Name;
        if (WindowLength != 1)
            throw new ArgumentException($"{name} trains with K = 1 (a gradient window per step); got K = {WindowLength}.", nameof(Truncation));
        if (knobs.BlockPerStage)
        {
            if (BlockSize != 1 || BlockBoundaries is not null)
                throw new ArgumentException($"{name} trains every stage as its own block (B = 1, no explicit boundaries).", nameof(BlockSize));
            if (Head != knobs.Head)
                throw new ArgumentException($"{name}'s local readouts are Head = {knobs.Head}; got {Head}.", nameof(Head));
        }
        else if (IsLocal) throw new ArgumentException($"{name} trains the network as one block (no B, no boundaries).", nameof(BlockSize));
        if (Update != knobs.Update)
            throw new ArgumentException(knobs.Update == UpdatePolicy.Accumulate
                ? $"{name} accumulates the steps' gradients into one update per batch (Update = Accumulate); got {Update}."
                : $"{name} updates at every step (Update = PerWindowAndBlock); got {Update}.", nameof(Update));
        if (PresynapticTrace != knobs.PresynapticTrace)
            throw new ArgumentException(knobs.PresynapticTrace
                ? $"{name} computes the weight gradient from the presynaptic trace (PresynapticTrace = true)."
                : $"{name} computes the weight gradient from the spikes; the presynaptic trace is OTTT's (Method = OtttA or OtttO).",
                nameof(PresynapticTrace));
        if (knobs.SampledSteps && SampledSteps is null)
            throw new ArgumentException($"{name} needs SampledSteps k (the steps backpropagated per batch).", nameof(SampledSteps));
        if (!knobs.SampledSteps && SampledSteps is not null)
            throw new ArgumentException($"{name} backpropagates every step; sampled steps are SLTT-K's (Method = SlttK).", nameof(SampledSteps));
    }

    /// <summary>Validates the plan against a network of <paramref name="stageCount"/> stages (weight layers, readout included).</summary>
    public TrainingPlan ValidatedFor(int stageCount)
    {
        Validated();
        if (BlockSize is { } b && b > stageCount)
            throw new ArgumentOutOfRangeException(nameof(BlockSize), b,
                $"Block size B = {b} exceeds the network's {stageCount} weight stages; use B ≤ {stageCount} (B = {stageCount} is one block).");
        if (BlockBoundaries is { Count: > 0 } starts && starts[^1] >= stageCount)
            throw new ArgumentException($"Block boundary {starts[^1]} is not a stage of a network with {stageCount} stages (valid: 1 … {stageCount - 1}).",
                nameof(BlockBoundaries));
        return this;
    }

    /// <summary>
    /// Mode name used in titles: BPTT, TBPTT, Local or TT-Local. Named after what it cuts, so a loss window (which cuts
    /// nothing) shows in <see cref="ToString"/> only. A plan of a <see cref="RelatedMethod"/> is named after it: SLTT,
    /// SLTT-K, OTTT_A, OTTT_O, DECOLLE.
    /// </summary>
    public string Mode => Method is { } method ? method.Knobs().Name : (WindowLength == TimeSteps, IsLocal) switch
    {
        (true, false) => "BPTT",
        (false, false) => "TBPTT",
        (true, true) => "Local",
        (false, true) => "TT-Local",
    };


    private string BlocksText => BlockBoundaries is { Count: > 0 } s ? $", blocks start at [0, {string.Join(", ", s)}]" : BlockSize is { } b ? $", B={b}" : "";

    private string Extras =>
        (Update == UpdatePolicy.Accumulate ? ", accumulate" : "") +
        (IsLocal && Head == LocalHeadKind.FixedRandom ? ", fixed random heads" : "") +
        (Loss == LossKind.RateMse ? ", MSE loss" : "") +
        (HasLossWindow ? (LossWindow == 1 ? ", loss per step" : $", loss per {LossWindow} steps") : "") +
        (SampledSteps is { } k ? $", {k} of {TimeSteps} steps sampled" : "") +
        (PresynapticTrace && Method?.Knobs().PresynapticTrace != true ? ", presynaptic trace" : "");

    public override string ToString() => $"{Mode} (T={TimeSteps}, K={WindowLength}{BlocksText}{Extras})";
}
