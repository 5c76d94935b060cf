using Snn.Neurons;
using TorchSharp;
using static TorchSharp.torch;

namespace Snn.Layers;

/// <summary>
/// One weight layer and its neuron: synapse (conv/linear) → optional stateless post-processing
/// (pooling, …) → neuron. Time-folded: input [K, N, …] runs the stateless part once on [K·N, …];
/// only the neuron loops over time. An input that is constant over time (stride 0 on the time axis,
/// as produced by direct encoding) is processed once and broadcast, which is mathematically identical.
/// </summary>
public sealed class Stage : nn.Module<Tensor, Tensor>, IStateful
{
    private readonly nn.Module<Tensor, Tensor> synapse;
    private readonly nn.Module<Tensor, Tensor>? post;
    private readonly nn.Module<Tensor, Tensor> neuron;

    public Stage(string name, nn.Module<Tensor, Tensor> synapse, nn.Module<Tensor, Tensor>? post, nn.Module<Tensor, Tensor> neuron,
        long[] inputShape, long[] outputShape, string spec) : base(name)
    {
        if (neuron is not IStateful) throw new ArgumentException("A stage's neuron must implement IStateful.", nameof(neuron));
        this.synapse = synapse;
        this.post = post;
        this.neuron = neuron;
        InputShape = inputShape;
        OutputShape = outputShape;
        Spec = spec;
        RegisterComponents();
    }

    /// <summary>Per-sample input shape (without time and batch), e.g. [1, 28, 28].</summary>
    public long[] InputShape { get; }
    /// <summary>Per-sample output shape, e.g. [16, 12, 12].</summary>
    public long[] OutputShape { get; }
    /// <summary>The spec token(s) this stage was built from, e.g. "16C5-P2".</summary>
    public string Spec { get; }
    public nn.Module<Tensor, Tensor> Synapse => synapse;
    public nn.Module<Tensor, Tensor> Neuron => neuron;
    /// <summary>True when the neuron spikes (false for the non-spiking readout).</summary>
    public bool IsSpiking => neuron is LifNeuron;

    public override Tensor forward(Tensor input)
    {
        if (input.dim() != InputShape.Length + 2)
            throw new ArgumentException($"Stage '{Spec}' expects [time, batch, {string.Join("×", InputShape)}]; got [{string.Join(", ", input.shape)}].", nameof(input));
        var steps = input.shape[0];
        var batch = input.shape[1];
        Tensor currents;
        if (steps > 1 && input.stride(0) == 0)
        {
            var once = Stateless(input[0]);
            currents = once.unsqueeze(0).expand([steps, .. once.shape]);
        }
        else
        {
            var folded = Stateless(input.reshape([steps * batch, .. input.shape[2..]]));
            currents = folded.reshape([steps, batch, .. folded.shape[1..]]);
        }
        return neuron.forward(currents);
    }

    private Tensor Stateless(Tensor x)
    {
        var y = synapse.forward(x);
        return post is null ? y : post.forward(y);
    }

    public void ResetState() => ((IStateful)neuron).ResetState();
    public void DetachState() => ((IStateful)neuron).DetachState();

    public override string ToString() => $"{Spec}: [{string.Join("×", InputShape)}] → [{string.Join("×", OutputShape)}], {neuron}";
}
