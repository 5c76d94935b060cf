namespace Snn.Studies;

/// <summary>
/// The paper's four claims (docs/method.md) checked against a K × B × seed study (docs/studies.md). Every comparison
/// is paired by seed within one setting (dataset, network, budget …) and tested with a paired t-test at
/// <c>alpha</c>: a claim is supported when its effect is significant with the claimed sign, contradicted when the
/// opposite is significant, and inconclusive otherwise (or with fewer than two seeds); this exploratory check never
/// says equivalent (no margin, no TOST — see <see cref="StudyAnalysis"/> for the pre-registered analysis). Settings are
/// combined by agreement: all supported → supported; any contradicted and none supported → contradicted; otherwise
/// inconclusive.
/// </summary>
public static class PaperFindings
{
    public const string C1 = "Temporal truncation lowers accuracy on frame-based data.";
    public const string C2 = "Temporal truncation raises accuracy on event-based data.";
    public const string C3 = "Local training loses information (lower training accuracy) but alleviates overfitting (smaller train − test gap).";
    public const string C4 = "Truncation and local training together slow the accuracy drop of truncation, and can even improve accuracy over BPTT.";

    /// <summary>C1–C4 in order.</summary>
    public static IReadOnlyList<Finding> Evaluate(IEnumerable<StudyRun> runs, double alpha = 0.05)
    {
        ArgumentNullException.ThrowIfNull(runs);
        var settings = runs.GroupBy(r => r.Setting).Select(g => new Setting(g.ToList())).Where(s => s.Bptt.Count > 0).ToList();
        return
        [
            Truncation("C1", C1, settings.Where(s => !s.EventData), expectedSign: -1, alpha),
            Truncation("C2", C2, settings.Where(s => s.EventData), expectedSign: +1, alpha),
            Local(settings, alpha),
            Combined(settings, alpha),
        ];
    }

    private static Finding Truncation(string id, string claim, IEnumerable<Setting> settings, int expectedSign, double alpha)
    {
        var comparisons = new List<PairedComparison>();
        var verdicts = new List<Verdict>();
        foreach (var s in settings)
        {
            var truncated = s.Plans(p => p.K < s.T && p.B is null);
            if (truncated.Count == 0) continue;
            var all = s.VersusBptt($"{s.Name}: truncated (K < T, one block) − BPTT, test accuracy", truncated, r => r.TestAccuracy);
            comparisons.Add(all);
            verdicts.Add(all.Judge(expectedSign, alpha));
            foreach (var plan in truncated)
                comparisons.Add(s.VersusBptt($"{s.Name}: K = {plan.K} − BPTT", [plan], r => r.TestAccuracy));
        }
        return Conclude(id, claim, verdicts, comparisons, "no setting with BPTT and a truncated plan (K < T, one block)");
    }

    private static Finding Local(IReadOnlyList<Setting> settings, double alpha)
    {
        var comparisons = new List<PairedComparison>();
        var loses = new List<Verdict>();
        var alleviates = new List<Verdict>();
        foreach (var s in settings)
        {
            var local = s.Plans(p => p.K == s.T && p.B is not null);
            if (local.Count == 0) continue;
            var train = s.VersusBptt($"{s.Name}: local (K = T, B < all) − BPTT, train accuracy", local, r => r.TrainAccuracy);
            var gap = s.VersusBptt($"{s.Name}: local − BPTT, train − test gap", local, r => r.TrainTestGap);
            comparisons.AddRange([train, gap, s.VersusBptt($"{s.Name}: local − BPTT, test accuracy", local, r => r.TestAccuracy)]);
            loses.Add(train.Judge(-1, alpha));
            alleviates.Add(gap.Judge(-1, alpha));
        }
        if (loses.Count == 0) return Conclude("C3", C3, [], comparisons, "no setting with BPTT and a local plan (K = T, B < all)");
        var (a, b) = (Combine(loses), Combine(alleviates));
        var verdict = a == Verdict.Supported && b == Verdict.Supported ? Verdict.Supported
            : a == Verdict.Contradicted || b == Verdict.Contradicted ? Verdict.Contradicted : Verdict.Inconclusive;
        return new Finding("C3", C3, verdict, $"loses information: {Word(a)}; alleviates overfitting: {Word(b)}. " + Summary(comparisons), comparisons);
    }

    private static Finding Combined(IReadOnlyList<Setting> settings, double alpha)
    {
        var comparisons = new List<PairedComparison>();
        var slows = new List<Verdict>();
        var improves = new List<Verdict>();
        foreach (var s in settings)
        {
            var combined = s.Plans(p => p.K < s.T && p.B is not null);
            if (combined.Count == 0) continue;
            // Interaction: the drop from truncation with local training minus the drop without it (> 0: slower drop).
            var interaction = new List<double>();
            foreach (var seed in s.Seeds)
            {
                var terms = new List<double>();
                foreach (var plan in combined)
                    if (s.Accuracy(plan.K, plan.B, seed) is { } kb && s.Accuracy(s.T, plan.B, seed) is { } tb
                        && s.Accuracy(plan.K, null, seed) is { } k && s.Accuracy(s.T, null, seed) is { } t)
                        terms.Add(kb - tb - (k - t));
                if (terms.Count == combined.Count) interaction.Add(terms.Average());
            }
            if (interaction.Count > 0)
            {
                var slow = PairedComparison.Of($"{s.Name}: truncation's accuracy change with local training − without (interaction)", interaction);
                comparisons.Add(slow);
                slows.Add(slow.Judge(+1, alpha));
            }
            // The best combined plan by mean test accuracy (chosen on the same runs: an optimistic pick).
            var best = combined.MaxBy(p => s.MeanAccuracy(p.K, p.B));
            var gain = s.VersusBptt($"{s.Name}: best combined plan (K = {best.K}, B = {best.B}) − BPTT, test accuracy", [best], r => r.TestAccuracy);
            comparisons.Add(gain);
            improves.Add(gain.Judge(+1, alpha));
        }
        if (slows.Count == 0) return Conclude("C4", C4, [], comparisons, "no setting with BPTT, truncated, local and combined plans");
        var (a, b) = (Combine(slows), Combine(improves));
        return new Finding("C4", C4, a, $"slows the drop: {Word(a)}; improves over BPTT: {Word(b)}. " + Summary(comparisons), comparisons);
    }

    private static Finding Conclude(string id, string claim, List<Verdict> verdicts, List<PairedComparison> comparisons, string missing) =>
        verdicts.Count == 0
            ? new Finding(id, claim, Verdict.Inconclusive, $"not tested: {missing}.", comparisons)
            : new Finding(id, claim, Combine(verdicts), Summary(comparisons), comparisons);

    private static Verdict Combine(IReadOnlyList<Verdict> verdicts) =>
        verdicts.Count > 0 && verdicts.All(v => v == Verdict.Supported) ? Verdict.Supported
        : verdicts.Contains(Verdict.Contradicted) && !verdicts.Contains(Verdict.Supported) ? Verdict.Contradicted
        : Verdict.Inconclusive;

    private static string Word(Verdict v) => ContrastResult.WordOf(v);

    // The headline comparisons (those over a plan family, not the per-plan details).
    private static string Summary(IEnumerable<PairedComparison> comparisons) =>
        string.Join("; ", comparisons
            .Where(c => !c.Label.Contains(" K = ", StringComparison.Ordinal) || c.Label.Contains("best", StringComparison.Ordinal))
            .Select(c => c.Describe(unit: "pp")));

    private readonly record struct Plan(int K, int? B);

    private sealed class Setting(List<StudyRun> runs)
    {
        public string Name { get; } = runs[0].Dataset;
        public bool EventData { get; } = runs[0].EventData;
        public int T { get; } = runs[0].TimeSteps;
        public IReadOnlyList<StudyRun> Bptt { get; } = runs.Where(r => r.IsBptt).ToList();
        public IReadOnlyList<int> Seeds { get; } = runs.Where(r => r.IsBptt).Select(r => r.Seed).Distinct().Order().ToList();

        public List<Plan> Plans(Func<Plan, bool> which) =>
            runs.Select(r => new Plan(r.Truncation, r.BlockSize)).Distinct().Where(which).OrderByDescending(p => p.K).ThenBy(p => p.B ?? int.MaxValue).ToList();

        private StudyRun? Run(int k, int? b, int seed) => runs.FirstOrDefault(r => r.Truncation == k && r.BlockSize == b && r.Seed == seed);

        public double? Accuracy(int k, int? b, int seed) => Run(k, b, seed)?.TestAccuracy;

        public double MeanAccuracy(int k, int? b) => runs.Where(r => r.Truncation == k && r.BlockSize == b).Average(r => r.TestAccuracy);

        /// <summary>Per seed: the mean of <paramref name="metric"/> over <paramref name="plans"/> minus BPTT's; seeds missing any plan are left out.</summary>
        public PairedComparison VersusBptt(string label, IReadOnlyList<Plan> plans, Func<StudyRun, double> metric)
        {
            var differences = new List<double>();
            foreach (var seed in Seeds)
            {
                var values = plans.Select(p => Run(p.K, p.B, seed)).ToList();
                if (values.Any(v => v is null)) continue;
                differences.Add(values.Average(v => metric(v!)) - metric(Run(T, null, seed)!));
            }
            return PairedComparison.Of(label, differences);
        }
    }
}
