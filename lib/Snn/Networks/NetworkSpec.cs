using System.Text.RegularExpressions;
using Snn.Layers;
using Snn.Neurons;
using TorchSharp;
using static TorchSharp.torch;

namespace Snn.Networks;

/// <summary>
/// Compact network specs, e.g. "32C3p1-BN-P2-64C3p1-BN-P2-FC128-D0.2-FC10" (tokens separated by '-',
/// case-insensitive):
/// <list type="bullet">
/// <item><c>nCk</c> conv with n channels and a k×k kernel, optional <c>sS</c> stride and <c>pP</c> padding (defaults 1 and 0), e.g. <c>64C3s2p1</c>;</item>
/// <item><c>FCn</c> fully connected with n outputs (flattens a [C, H, W] input);</item>
/// <item><c>BN</c> batch norm of the stage before (tdBN: one BatchNorm over the time-folded [K·N, …]
/// currents, after the synapse and before pooling; scale initialised to α·θ);</item>
/// <item><c>Pk</c> or <c>MPk</c> max pooling, <c>APk</c> average pooling (k×k, stride k) of the conv stage before;</item>
/// <item><c>Dp</c> dropout with probability p on the stage before's output spikes, one mask per sequence
/// shared by all its time steps and windows (e.g. <c>D0.2</c>).</item>
/// </list>
/// BN, pooling and dropout modify the stage before them and may follow in that order only. Every weight
/// layer gets a LIF neuron except the last, which must be FC and becomes the non-spiking readout (no BN,
/// no dropout). Errors name the bad token and the shape that did not fit.
/// </summary>
public static partial class NetworkSpec
{
    [GeneratedRegex(@"^(?<out>\d+)C(?<k>\d+)(?:S(?<s>\d+))?(?:P(?<p>\d+))?$", RegexOptions.IgnoreCase)]
    private static partial Regex ConvToken();
    [GeneratedRegex(@"^(?<kind>MP|AP|P)(?<k>\d+)$", RegexOptions.IgnoreCase)]
    private static partial Regex PoolToken();
    [GeneratedRegex(@"^FC(?<out>\d+)$", RegexOptions.IgnoreCase)]
    private static partial Regex LinearToken();
    [GeneratedRegex(@"^BN$", RegexOptions.IgnoreCase)]
    private static partial Regex NormToken();
    [GeneratedRegex(@"^D(?<p>\d*\.?\d+)$", RegexOptions.IgnoreCase)]
    private static partial Regex DropoutToken();

    /// <summary>Builds the network for per-sample input shape <paramref name="inputShape"/> ([C, H, W] or [features]).</summary>
    public static SpikingNetwork Build(string spec, long[] inputShape, NetworkOptions? options = null)
    {
        options ??= NetworkOptions.Default;
        if (string.IsNullOrWhiteSpace(spec)) throw new NetworkSpecException("Network spec is empty; expected e.g. \"16C5-P2-32C5-P2-FC10\".");
        if (inputShape.Length is not (1 or 3) || inputShape.Any(d => d <= 0))
            throw new NetworkSpecException($"Input shape must be [C, H, W] or [features] with positive sizes; got [{string.Join(", ", inputShape)}].");

        var tokens = spec.Split('-', StringSplitOptions.TrimEntries);
        var layers = new List<PendingStage>();
        var shape = inputShape;
        for (var i = 0; i < tokens.Length; i++)
        {
            var token = tokens[i];
            var where = $"token '{token}' (#{i + 1} in \"{spec}\")";
            Match m;
            if ((m = ConvToken().Match(token)).Success)
            {
                if (shape.Length != 3)
                    throw new NetworkSpecException(
                        $"{where}: a convolution needs a [C, H, W] input but gets [{string.Join("×", shape)}] (after a fully connected layer?).");
                int outCh = Parse(m, "out", where), k = Parse(m, "k", where);
                int stride = m.Groups["s"].Success ? Parse(m, "s", where) : 1, pad = m.Groups["p"].Success ? int.Parse(m.Groups["p"].Value) : 0;
                long h = (shape[1] + 2 * pad - k) / stride + 1, w = (shape[2] + 2 * pad - k) / stride + 1;
                if (shape[1] + 2 * pad < k || shape[2] + 2 * pad < k)
                    throw new NetworkSpecException(
                        $"{where}: a {k}×{k} kernel with padding {pad} does not fit the incoming {string.Join("×", shape)} feature map.");
                var conv = nn.Conv2d(shape[0], outCh, k, stride: stride, padding: pad);
                var outShape = new long[] { outCh, h, w };
                layers.Add(new PendingStage(token, conv, shape, outShape, new StageLayout(SynapseKind.Conv, k, stride, pad, SynapseShape: outShape)));
                shape = outShape;
            }
            else if ((m = PoolToken().Match(token)).Success)
            {
                var k = Parse(m, "k", where);
                if (layers.Count == 0 || layers[^1].Layout.Synapse != SynapseKind.Conv)
                    throw new NetworkSpecException($"{where}: pooling must follow a convolution.");
                if (layers[^1].Layout.Dropout > 0)
                    throw new NetworkSpecException($"{where}: pooling must come before the dropout of stage '{layers[^1].Spec}' (order: conv-BN-P-D).");
                if (shape[1] < k || shape[2] < k)
                    throw new NetworkSpecException($"{where}: {k}×{k} pooling does not fit the incoming {string.Join("×", shape)} feature map.");
                var avg = m.Groups["kind"].Value.Equals("AP", StringComparison.OrdinalIgnoreCase);
                nn.Module<Tensor, Tensor> pool = avg ? nn.AvgPool2d(k, k) : nn.MaxPool2d(k, k);
                shape = [shape[0], shape[1] / k, shape[2] / k];
                layers[^1] = layers[^1].WithPool(pool, avg ? PoolKind.Average : PoolKind.Max, k, token, shape);
            }
            else if ((m = LinearToken().Match(token)).Success)
            {
                var outFeatures = Parse(m, "out", where);
                var inFeatures = shape.Aggregate(1L, (a, b) => a * b);
                nn.Module<Tensor, Tensor> linear = shape.Length == 1
                    ? nn.Linear(inFeatures, outFeatures)
                    : nn.Sequential(nn.Flatten(), nn.Linear(inFeatures, outFeatures));
                var outShape = new long[] { outFeatures };
                layers.Add(new PendingStage(token, linear, shape, outShape, new StageLayout(SynapseKind.Linear, SynapseShape: outShape)));
                shape = outShape;
            }
            else if (NormToken().IsMatch(token))
            {
                if (layers.Count == 0) throw new NetworkSpecException($"{where}: batch norm must follow a conv or FC layer.");
                var l = layers[^1];
                if (l.Layout.BatchNorm) throw new NetworkSpecException($"{where}: stage '{l.Spec}' already has batch norm.");
                if (l.Pool is not null || l.Layout.Dropout > 0)
                    throw new NetworkSpecException(
                        $"{where}: batch norm must come right after its layer, before pooling and dropout (order: conv-BN-P-D), in stage '{l.Spec}'.");
                layers[^1] = l with { Spec = $"{l.Spec}-{token}", Layout = l.Layout with { BatchNorm = true } };
            }
            else if ((m = DropoutToken().Match(token)).Success)
            {
                if (layers.Count == 0) throw new NetworkSpecException($"{where}: dropout must follow a conv or FC layer.");
                if (!double.TryParse(m.Groups["p"].Value, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var p)
                    || !(p > 0 && p < 1))
                    throw new NetworkSpecException($"{where}: dropout probability must be in (0, 1), e.g. D0.2.");
                var l = layers[^1];
                if (l.Layout.Dropout > 0) throw new NetworkSpecException($"{where}: stage '{l.Spec}' already has dropout.");
                layers[^1] = l with { Spec = $"{l.Spec}-{token}", Layout = l.Layout with { Dropout = p } };
            }
            else
            {
                throw new NetworkSpecException($"{where}: unknown token; expected nCk[sS][pP] (conv), FCn (fully connected), BN (batch norm), "
                    + "Pk/MPk/APk (pooling) or Dp (dropout, e.g. D0.2).");
            }
        }
        if (layers.Count == 0 || layers[^1].Layout.Synapse != SynapseKind.Linear)
            throw new NetworkSpecException($"Network spec \"{spec}\" must end with an FC layer (the readout), e.g. \"…-FC10\".");
        if (layers[^1].Layout.BatchNorm || layers[^1].Layout.Dropout > 0)
            throw new NetworkSpecException(
                $"Network spec \"{spec}\": the readout '{layers[^1].Spec}' cannot have batch norm or dropout; put them on the layer before it.");

        var stages = new List<Stage>(layers.Count);
        for (var i = 0; i < layers.Count; i++)
        {
            var l = layers[i];
            var last = i == layers.Count - 1;
            nn.Module<Tensor, Tensor> neuron = last
                ? new LeakyIntegrator(options.ReadoutBeta)
                : new LifNeuron(options.Neuron);
            var norm = l.Layout.BatchNorm ? TemporalBatchNorm(l.Layout, l.Layout.SynapseShape![0], options) : null;
            var dropout = l.Layout.Dropout > 0 ? new TimeSharedDropout(l.Layout.Dropout) : null;
            stages.Add(new Stage($"stage{i}", l.Synapse, l.Pool, neuron, l.InputShape, l.OutputShape, l.Spec, l.Layout, norm, dropout));
        }
        return new SpikingNetwork(spec, stages);
    }

    // tdBN (Zheng et al. 2021) rather than BNTT (Kim & Panda 2021): with time folding one BatchNorm over
    // [K·N, C, …] already pools statistics over time and batch, needs no per-step parameters (so T and K
    // can change freely) and, in eval mode, leaves forward spikes independent of K. In training mode the
    // batch statistics span the window, so they depend on K (as BNTT's would on the step).
    private static nn.Module<Tensor, Tensor> TemporalBatchNorm(StageLayout layout, long features, NetworkOptions options)
    {
        var neuron = options.Neuron;
        if (layout.Synapse == SynapseKind.Conv)
        {
            var bn = nn.BatchNorm2d(features);
            using (torch.no_grad()) bn.weight!.fill_(options.BatchNormAlpha * neuron.Threshold);
            return bn;
        }
        var bn1 = nn.BatchNorm1d(features);
        using (torch.no_grad()) bn1.weight!.fill_(options.BatchNormAlpha * neuron.Threshold);
        return bn1;
    }

    private static int Parse(Match m, string group, string where)
    {
        var value = int.Parse(m.Groups[group].Value);
        if (value <= 0) throw new NetworkSpecException($"{where}: sizes must be ≥ 1.");
        return value;
    }

    private sealed record PendingStage(
        string Spec, nn.Module<Tensor, Tensor> Synapse, long[] InputShape, long[] OutputShape, StageLayout Layout, nn.Module<Tensor, Tensor>? Pool = null)
    {
        public PendingStage WithPool(nn.Module<Tensor, Tensor> pool, PoolKind kind, int size, string token, long[] shape) =>
            Pool is null
                ? this with { Pool = pool, Spec = $"{Spec}-{token}", OutputShape = shape, Layout = Layout with { Pool = kind, PoolSize = size } }
                : throw new NetworkSpecException($"token '{token}': stage '{Spec}' already has pooling ({Spec}); put a convolution between two poolings.");
    }
}
