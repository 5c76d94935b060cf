using System.Text.RegularExpressions;
using Snn.Layers;
using Snn.Neurons;
using TorchSharp;
using static TorchSharp.torch;

namespace Snn.Networks;

/// <summary>Options shared by all stages of a network built from a spec.</summary>
public sealed record NetworkOptions
{
    public LifParameters Neuron { get; init; } = LifParameters.Default;
    /// <summary>Leak of the non-spiking readout integrator.</summary>
    public double ReadoutBeta { get; init; } = 0.5;
    public static NetworkOptions Default { get; } = new();
}

/// <summary>A spec token that could not be parsed or does not fit the incoming shape.</summary>
public sealed class NetworkSpecException(string message) : ArgumentException(message);

/// <summary>
/// Compact network specs, e.g. "32C3p1-P2-64C3p1-P2-FC128-FC10":
/// <c>nCk</c> conv with n channels and k×k kernel, optional <c>sS</c> stride and <c>pP</c> padding (default 0);
/// <c>Pk</c> or <c>MPk</c> max pooling, <c>APk</c> average pooling (k×k, stride k), attached to the stage before;
/// <c>FCn</c> fully connected. Every weight layer gets a LIF neuron except the last, which must be FC and
/// becomes the non-spiking readout.
/// </summary>
public static partial class NetworkSpec
{
    [GeneratedRegex(@"^(?<out>\d+)C(?<k>\d+)(?:S(?<s>\d+))?(?:P(?<p>\d+))?$", RegexOptions.IgnoreCase)]
    private static partial Regex ConvToken();
    [GeneratedRegex(@"^(?<kind>MP|AP|P)(?<k>\d+)$", RegexOptions.IgnoreCase)]
    private static partial Regex PoolToken();
    [GeneratedRegex(@"^FC(?<out>\d+)$", RegexOptions.IgnoreCase)]
    private static partial Regex LinearToken();

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
                if (shape.Length != 3) throw new NetworkSpecException($"{where}: a convolution needs a [C, H, W] input but gets [{string.Join("×", shape)}] (after a fully connected layer?).");
                int outCh = Parse(m, "out", where), k = Parse(m, "k", where);
                int stride = m.Groups["s"].Success ? Parse(m, "s", where) : 1, pad = m.Groups["p"].Success ? int.Parse(m.Groups["p"].Value) : 0;
                long h = (shape[1] + 2 * pad - k) / stride + 1, w = (shape[2] + 2 * pad - k) / stride + 1;
                if (shape[1] + 2 * pad < k || shape[2] + 2 * pad < k)
                    throw new NetworkSpecException($"{where}: a {k}×{k} kernel with padding {pad} does not fit the incoming {string.Join("×", shape)} feature map.");
                var conv = nn.Conv2d(shape[0], outCh, k, stride: stride, padding: pad);
                var outShape = new long[] { outCh, h, w };
                layers.Add(new PendingStage(token, conv, shape, outShape));
                shape = outShape;
            }
            else if ((m = PoolToken().Match(token)).Success)
            {
                var k = Parse(m, "k", where);
                if (layers.Count == 0 || layers[^1].Kind != "conv")
                    throw new NetworkSpecException($"{where}: pooling must follow a convolution.");
                if (shape[1] < k || shape[2] < k)
                    throw new NetworkSpecException($"{where}: {k}×{k} pooling does not fit the incoming {string.Join("×", shape)} feature map.");
                var avg = m.Groups["kind"].Value.Equals("AP", StringComparison.OrdinalIgnoreCase);
                nn.Module<Tensor, Tensor> pool = avg ? nn.AvgPool2d(k, k) : nn.MaxPool2d(k, k);
                shape = [shape[0], shape[1] / k, shape[2] / k];
                layers[^1] = layers[^1].WithPool(pool, token, shape);
            }
            else if ((m = LinearToken().Match(token)).Success)
            {
                var outFeatures = Parse(m, "out", where);
                var inFeatures = shape.Aggregate(1L, (a, b) => a * b);
                nn.Module<Tensor, Tensor> linear = shape.Length == 1
                    ? nn.Linear(inFeatures, outFeatures)
                    : nn.Sequential(nn.Flatten(), nn.Linear(inFeatures, outFeatures));
                var outShape = new long[] { outFeatures };
                layers.Add(new PendingStage(token, linear, shape, outShape, "linear"));
                shape = outShape;
            }
            else
            {
                throw new NetworkSpecException($"{where}: unknown token; expected nCk[sS][pP] (conv), Pk/MPk/APk (pooling) or FCn (fully connected).");
            }
        }
        if (layers.Count == 0 || layers[^1].Kind != "linear")
            throw new NetworkSpecException($"Network spec \"{spec}\" must end with an FC layer (the readout), e.g. \"…-FC10\".");

        var stages = new List<Stage>(layers.Count);
        for (var i = 0; i < layers.Count; i++)
        {
            var l = layers[i];
            var last = i == layers.Count - 1;
            nn.Module<Tensor, Tensor> neuron = last
                ? new LeakyIntegrator(options.ReadoutBeta)
                : new LifNeuron(options.Neuron);
            stages.Add(new Stage($"stage{i}", l.Synapse, l.Pool, neuron, l.InputShape, l.OutputShape, l.Spec));
        }
        return new SpikingNetwork(spec, stages);
    }

    private static int Parse(Match m, string group, string where)
    {
        var value = int.Parse(m.Groups[group].Value);
        if (value <= 0) throw new NetworkSpecException($"{where}: sizes must be ≥ 1.");
        return value;
    }

    private sealed record PendingStage(string Spec, nn.Module<Tensor, Tensor> Synapse, long[] InputShape, long[] OutputShape, string Kind = "conv", nn.Module<Tensor, Tensor>? Pool = null)
    {
        public PendingStage WithPool(nn.Module<Tensor, Tensor> pool, string token, long[] shape) =>
            Pool is null
                ? this with { Pool = pool, Spec = $"{Spec}-{token}", OutputShape = shape }
                : throw new NetworkSpecException($"token '{token}': stage '{Spec}' already has pooling ({Spec}); put a convolution between two poolings.");
    }
}
