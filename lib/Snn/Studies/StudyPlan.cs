using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Snn.Studies;

/// <summary>
/// A machine-readable pre-registration (plan.json) of a study analysis: which runs form which arms, which paired
/// contrasts are tested, the claimed direction of each, the significance level, the equivalence margin and the
/// multiple-comparison correction — all fixed before the runs are made. <see cref="Sha256"/> identifies the exact file;
/// runs made under the plan record it in their plan_sha256 column and <see cref="StudyAnalysis"/> refuses others.
/// <para>Schema (JSON with // comments and trailing commas allowed; unknown keys are errors, so a typo is never ignored):</para>
/// <code>
/// {
///   "study": "paper-study",              // required string: a name for reports
///   "alpha": 0.05,                       // required number in (0, 1): level of every (adjusted) test
///   "margin": 0.005,                     // required number &gt; 0: equivalence margin in metric units (accuracy fraction: 0.5 pt)
///   "correction": "holm",                // optional, default "holm" (the only correction accepted)
///   "seeds": [0, 1, 2, 3],               // required non-empty list of distinct integers ≥ 0: the seeds that count
///   "arms": {                            // required, non-empty: arm name → selector (runs.csv column → required value)
///     "bptt":     { "plan.K": 10, "plan.B": "all", "plan.update": "accumulate" },
///     "tbptt-k1": { "plan.K": 1,  "plan.B": "all", "plan.update": "accumulate" }
///   },
///   "settings": {                        // required, non-empty: setting name → selector shared by every arm of a contrast
///     "frames": { "dataset.name": "fashion-mnist" }
///   },
///   "contrasts": [                       // required, non-empty
///     { "id": "C1-frames",               // required, unique
///       "claim": "C1",                   // optional: the claim this contrast is (part of) the test of
///       "setting": "frames",             // required: a key of settings
///       "treatment": "tbptt-k1",         // an arm, or a list of arms whose per-seed mean is used …
///       "control": "bptt",               // … with control: per seed treatment − control
///       // or instead of treatment/control: "interaction": { "a": …, "b": …, "c": …, "d": … } = per seed (a − b) − (c − d)
///       "metric": "final_test_accuracy", // required: a numeric runs.csv column
///       "expected": -1,                  // required: +1, −1 (claimed sign) or 0 (a finding without a claimed direction)
///       "family": "claims",              // optional: Holm family; default "claims" with a claim, else "findings"
///       "margin": 0.01 }                 // optional: this contrast's equivalence margin (default: the plan's)
///   ],
///   "claims": { "C4": { "combine": "all" } }   // optional: per claim "all" (default) or "any", see ClaimCombination
/// }
/// </code>
/// Selector values are strings, numbers, booleans or null (= empty cell); see <see cref="RunSelector"/>. A claim with
/// contrasts must have expected ±1 on each of them; every claim named under "claims" must have a contrast.
/// </summary>
public sealed class StudyPlan
{
    public const string FileName = "plan.json";

    /// <summary>The only multiple-comparison correction accepted.</summary>
    public const string Holm = "holm";

    private static readonly string[] TopKeys = ["study", "alpha", "margin", "correction", "seeds", "arms", "settings", "contrasts", "claims"];
    private static readonly string[] ContrastKeys =
        ["id", "claim", "setting", "treatment", "control", "interaction", "metric", "expected", "family", "margin"];

    private StudyPlan() { }

    /// <summary>The file read (or "(text)"); names it in errors.</summary>
    public string Source { get; private init; } = "";

    /// <summary>Lowercase hex SHA-256 of the exact bytes of the plan.</summary>
    public string Sha256 { get; private init; } = "";

    public string Study { get; private init; } = "";

    public double Alpha { get; private init; }

    /// <summary>The default equivalence margin, in metric units.</summary>
    public double Margin { get; private init; }

    public string Correction { get; private init; } = Holm;

    public IReadOnlyList<int> Seeds { get; private init; } = [];

    public IReadOnlyDictionary<string, RunSelector> Arms { get; private init; } = new Dictionary<string, RunSelector>();

    public IReadOnlyDictionary<string, RunSelector> Settings { get; private init; } = new Dictionary<string, RunSelector>();

    public IReadOnlyList<StudyContrast> Contrasts { get; private init; } = [];

    /// <summary>How each claim's parts combine (claims not named under "claims" combine with <see cref="ClaimCombination.All"/>).</summary>
    public IReadOnlyDictionary<string, ClaimCombination> Claims { get; private init; } = new Dictionary<string, ClaimCombination>();

    /// <summary>How <paramref name="claim"/>'s parts combine.</summary>
    public ClaimCombination CombinationOf(string claim) => Claims.GetValueOrDefault(claim, ClaimCombination.All);

    /// <summary>Reads <paramref name="path"/>; throws <see cref="StudyPlanException"/> naming the file and key.</summary>
    public static StudyPlan Load(string path) => Parse(File.ReadAllBytes(path), path);

    /// <summary>Parses plan text; its hash is that of its UTF-8 bytes (no byte-order mark).</summary>
    public static StudyPlan Parse(string json, string source = "(text)")
    {
        ArgumentNullException.ThrowIfNull(json);
        return Parse(Encoding.UTF8.GetBytes(json), source);
    }

    /// <summary>Parses the bytes of a plan.json; throws <see cref="StudyPlanException"/> naming the key and what was expected.</summary>
    public static StudyPlan Parse(byte[] utf8Json, string source = "(text)")
    {
        ArgumentNullException.ThrowIfNull(utf8Json);
        var sha = Convert.ToHexStringLower(SHA256.HashData(utf8Json));
        JsonDocument document;
        try { document = JsonDocument.Parse(utf8Json, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true }); }
        catch (JsonException e) { throw new StudyPlanException(source, "(file)", $"not valid JSON: {e.Message}"); }
        using (document)
        {
            var reader = new Reader(source);
            var root = document.RootElement;
            reader.Object(root, "(root)", "an object { \"study\", \"alpha\", \"margin\", \"seeds\", \"arms\", \"settings\", \"contrasts\" }");
            reader.NoUnknownKeys(root, "(root)", TopKeys);
            var correction = root.TryGetProperty("correction", out var c) ? reader.String(c, "correction") : Holm;
            if (correction != Holm)
                throw new StudyPlanException(source, "correction", $"'{correction}' is not accepted; expected \"{Holm}\" (Holm–Bonferroni).");
            var alpha = reader.Number(reader.Required(root, "alpha"), "alpha");
            if (!(alpha > 0 && alpha < 1))
                throw new StudyPlanException(source, "alpha", $"{Format(alpha)} is not a significance level; expected a number in (0, 1).");
            var margin = reader.Positive(reader.Required(root, "margin"), "margin");
            var seeds = reader.Seeds(reader.Required(root, "seeds"));
            var arms = reader.Selectors(reader.Required(root, "arms"), "arms", allowEmpty: false);
            var settings = reader.Selectors(reader.Required(root, "settings"), "settings", allowEmpty: true);
            var contrasts = reader.Contrasts(reader.Required(root, "contrasts"), arms, settings, margin);
            var claims = root.TryGetProperty("claims", out var cl) ? reader.Claims(cl, contrasts) : new Dictionary<string, ClaimCombination>();
            return new StudyPlan
            {
                Source = source,
                Sha256 = sha,
                Study = reader.String(reader.Required(root, "study"), "study"),
                Alpha = alpha,
                Margin = margin,
                Correction = correction,
                Seeds = seeds,
                Arms = arms,
                Settings = settings,
                Contrasts = contrasts,
                Claims = claims,
            };
        }
    }

    private static string Format(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    // Reads values and throws StudyPlanException naming the key path and what was expected.
    private sealed class Reader(string source)
    {
        private StudyPlanException Error(string key, string message) => new(source, key, message);

        private static string Kind(JsonElement e) => e.ValueKind.ToString().ToLowerInvariant();

        public void Object(JsonElement e, string key, string expected)
        {
            if (e.ValueKind != JsonValueKind.Object) throw Error(key, $"expected {expected}; got {Kind(e)}.");
        }

        public void NoUnknownKeys(JsonElement e, string key, string[] known)
        {
            foreach (var p in e.EnumerateObject())
                if (!known.Contains(p.Name))
                    throw Error(key == "(root)" ? p.Name : $"{key}.{p.Name}", $"unknown key; expected one of {string.Join(", ", known)}.");
        }

        public JsonElement Required(JsonElement parent, string key, string? path = null) =>
            parent.TryGetProperty(key, out var value) ? value : throw Error(path ?? key, "missing; the plan needs it (see the StudyPlan schema).");

        public string String(JsonElement e, string key) =>
            e.ValueKind == JsonValueKind.String && e.GetString() is { Length: > 0 } s ? s : throw Error(key, $"expected a non-empty string; got {Kind(e)}.");

        public double Number(JsonElement e, string key) =>
            e.ValueKind == JsonValueKind.Number ? e.GetDouble() : throw Error(key, $"expected a number; got {Kind(e)}.");

        public double Positive(JsonElement e, string key)
        {
            var v = Number(e, key);
            return v > 0 && double.IsFinite(v) ? v
                : throw Error(key, $"{Format(v)} is not a margin; expected a number > 0 (metric units, e.g. 0.005 = 0.5 pt of accuracy).");
        }

        public List<int> Seeds(JsonElement e)
        {
            if (e.ValueKind != JsonValueKind.Array || e.GetArrayLength() == 0)
                throw Error("seeds", $"expected a non-empty list of integer seeds; got {Kind(e)}.");
            var seeds = new List<int>();
            var i = 0;
            foreach (var s in e.EnumerateArray())
            {
                if (s.ValueKind != JsonValueKind.Number || !s.TryGetInt32(out var seed) || seed < 0)
                    throw Error($"seeds[{i}]", $"expected an integer ≥ 0; got {s.GetRawText()}.");
                if (seeds.Contains(seed)) throw Error($"seeds[{i}]", $"seed {seed} is listed twice; expected distinct seeds.");
                seeds.Add(seed);
                i++;
            }
            return seeds;
        }

        public Dictionary<string, RunSelector> Selectors(JsonElement e, string key, bool allowEmpty)
        {
            Object(e, key, "an object of name → { runs.csv column: required value }");
            var selectors = new Dictionary<string, RunSelector>(StringComparer.Ordinal);
            foreach (var p in e.EnumerateObject())
            {
                var at = $"{key}.{p.Name}";
                Object(p.Value, at, "an object { runs.csv column: required value }");
                var required = new Dictionary<string, string>(StringComparer.Ordinal);
                foreach (var q in p.Value.EnumerateObject())
                    required[q.Name] = q.Value.ValueKind switch
                    {
                        JsonValueKind.String => q.Value.GetString()!,
                        JsonValueKind.Number => q.Value.GetRawText(),
                        JsonValueKind.True => "true",
                        JsonValueKind.False => "false",
                        JsonValueKind.Null => "",
                        _ => throw Error($"{at}.{q.Name}", $"expected a string, number, boolean or null (an empty cell); got {Kind(q.Value)}."),
                    };
                if (required.Count == 0 && !allowEmpty) throw Error(at, "an arm needs at least one column to select its runs; got {}.");
                selectors.Add(p.Name, new RunSelector(required));
            }
            if (selectors.Count == 0) throw Error(key, "expected at least one entry; got {}.");
            return selectors;
        }

        private List<string> ArmGroup(JsonElement e, string key, IReadOnlyDictionary<string, RunSelector> arms)
        {
            var names = e.ValueKind switch
            {
                JsonValueKind.String => [e.GetString()!],
                JsonValueKind.Array when e.GetArrayLength() > 0 => e.EnumerateArray().Select((a, i) => String(a, $"{key}[{i}]")).ToList(),
                _ => throw Error(key, $"expected an arm name or a non-empty list of arm names; got {Kind(e)}."),
            };
            foreach (var name in names)
                if (!arms.ContainsKey(name))
                    throw Error(key, $"arm '{name}' is not defined; expected one of the keys of arms: {string.Join(", ", arms.Keys)}.");
            if (names.Distinct(StringComparer.Ordinal).Count() != names.Count) throw Error(key, "an arm is listed twice; expected distinct arms.");
            return names;
        }

        public List<StudyContrast> Contrasts(
            JsonElement e, IReadOnlyDictionary<string, RunSelector> arms, IReadOnlyDictionary<string, RunSelector> settings, double margin)
        {
            if (e.ValueKind != JsonValueKind.Array || e.GetArrayLength() == 0)
                throw Error("contrasts", $"expected a non-empty list of contrasts; got {Kind(e)}.");
            var contrasts = new List<StudyContrast>();
            var i = 0;
            foreach (var c in e.EnumerateArray())
            {
                var at = $"contrasts[{i++}]";
                Object(c, at, "an object { \"id\", \"setting\", \"treatment\", \"control\", \"metric\", \"expected\" }");
                NoUnknownKeys(c, at, ContrastKeys);
                var id = String(Required(c, "id", $"{at}.id"), $"{at}.id");
                if (contrasts.Any(x => x.Id == id)) throw Error($"{at}.id", $"'{id}' is used by an earlier contrast; expected unique ids.");
                string? claim = c.TryGetProperty("claim", out var cl) ? String(cl, $"{at}.claim") : null;
                var setting = String(Required(c, "setting", $"{at}.setting"), $"{at}.setting");
                if (!settings.ContainsKey(setting))
                    throw Error($"{at}.setting", $"setting '{setting}' is not defined; expected a key of settings: {string.Join(", ", settings.Keys)}.");
                var hasPair = c.TryGetProperty("treatment", out var treatment) | c.TryGetProperty("control", out var control);
                List<ContrastTerm> terms;
                var interaction = c.TryGetProperty("interaction", out var inter);
                if (interaction == hasPair)
                    throw Error(at, "expected either \"treatment\" and \"control\" or \"interaction\": { \"a\", \"b\", \"c\", \"d\" }, not both.");
                if (interaction)
                {
                    Object(inter, $"{at}.interaction", "an object { \"a\", \"b\", \"c\", \"d\" } meaning per seed (a − b) − (c − d)");
                    NoUnknownKeys(inter, $"{at}.interaction", ["a", "b", "c", "d"]);
                    List<string> Part(string name) => ArmGroup(Required(inter, name, $"{at}.interaction.{name}"), $"{at}.interaction.{name}", arms);
                    terms = [new(+1, Part("a")), new(-1, Part("b")), new(-1, Part("c")), new(+1, Part("d"))];
                }
                else
                {
                    terms = [new(+1, ArmGroup(Required(c, "treatment", $"{at}.treatment"), $"{at}.treatment", arms)),
                        new(-1, ArmGroup(Required(c, "control", $"{at}.control"), $"{at}.control", arms))];
                    if (terms[0].Arms.Intersect(terms[1].Arms).Any())
                        throw Error($"{at}.control", "shares an arm with treatment; expected two different groups.");
                }
                var metric = String(Required(c, "metric", $"{at}.metric"), $"{at}.metric");
                var expectedElement = Required(c, "expected", $"{at}.expected");
                var expected = expectedElement.ValueKind == JsonValueKind.Number && expectedElement.TryGetInt32(out var x) && x is -1 or 0 or 1 ? x
                    : throw Error($"{at}.expected", $"expected +1, −1 (the claimed sign) or 0 (no claimed direction); got {expectedElement.GetRawText()}.");
                if (claim is not null && expected == 0)
                    throw Error($"{at}.expected", $"contrast of claim {claim} needs a claimed sign, +1 or −1; 0 is for findings without a claim.");
                var family = c.TryGetProperty("family", out var f) ? String(f, $"{at}.family") : claim is null ? "findings" : "claims";
                var own = c.TryGetProperty("margin", out var m) ? Positive(m, $"{at}.margin") : margin;
                contrasts.Add(new StudyContrast(id, claim, setting, terms, interaction, metric, expected, family, own));
            }
            return contrasts;
        }

        public Dictionary<string, ClaimCombination> Claims(JsonElement e, IReadOnlyList<StudyContrast> contrasts)
        {
            Object(e, "claims", "an object of claim → { \"combine\": \"all\" | \"any\" }");
            var claims = new Dictionary<string, ClaimCombination>(StringComparer.Ordinal);
            foreach (var p in e.EnumerateObject())
            {
                var at = $"claims.{p.Name}";
                if (!contrasts.Any(c => c.Claim == p.Name)) throw Error(at, $"no contrast has \"claim\": \"{p.Name}\"; expected a claim that is tested.");
                Object(p.Value, at, "an object { \"combine\": \"all\" | \"any\" }");
                NoUnknownKeys(p.Value, at, ["combine"]);
                var combine = p.Value.TryGetProperty("combine", out var cb) ? String(cb, $"{at}.combine") : "all";
                claims[p.Name] = combine switch
                {
                    "all" => ClaimCombination.All,
                    "any" => ClaimCombination.Any,
                    _ => throw Error($"{at}.combine", $"'{combine}' is not a combination; expected \"all\" or \"any\"."),
                };
            }
            return claims;
        }
    }
}
