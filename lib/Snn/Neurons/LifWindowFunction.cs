using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.autograd;

namespace Snn.Neurons;

/// <summary>
/// The LIF recurrence over one window as a single autograd node: a forward loop over the K steps and a hand-written
/// backward, for fixed β with the reset path detached (hard or soft reset). A carried membrane without gradient history
/// (every ordinary call) gives a last membrane without one either. For recomputation, a carried membrane that requires
/// gradients (the leaf restored at a segment border) is an input of the node, and the last membrane can be linked into
/// the graph (a second node that hands its gradient to this one's backward), so that gradients cross the call as they do
/// in the per-step graph.
/// Per neuron and step it keeps only what its backward reads: with the rectangular surrogate two bits (whether u − θ lies
/// in the surrogate's window and, for a hard reset, whether the neuron fired), four steps to a byte; with another
/// surrogate u − θ in the input's dtype (the spike is its sign).
/// The per-step graph of <see cref="Lif.Step"/> keeps about 12 bytes instead. The arithmetic is that graph's, in the
/// same order, so spikes and gradients are the same; only a constant input's gradient (one current repeated over the
/// window) is summed over the steps in a different order. Call through <see cref="Run"/>.
/// </summary>
internal sealed class LifWindowFunction : SingleTensorFunction<LifWindowFunction>
{
    public override string Name => "SnnLifWindow";

    /// <summary>
    /// Runs <paramref name="steps"/> steps on <paramref name="currents"/> ([K, N, …], or [N, …] repeated at every step when
    /// <paramref name="constant"/>) from the carried <paramref name="membrane"/> and <paramref name="lastSpikes"/> (null: at
    /// rest; the spikes never get a gradient, the membrane does when it requires one). Returns the spikes [K, N, …] and the
    /// last membrane [N, …], which has gradient history when <paramref name="membrane"/> has or <paramref name="keepHistory"/>.
    /// </summary>
    public static (Tensor Spikes, Tensor Membrane) Run(Tensor currents, int steps, bool constant, LifParameters p, Tensor? membrane, Tensor? lastSpikes,
        bool keepHistory = false)
    {
        var grad = torch.is_grad_enabled();
        var tracked = grad && membrane is { requires_grad: true };
        var save = grad && (currents.requires_grad || tracked);
        // Own scope: TorchSharp's node caches an empty tensor the size of each output; they go with this scope.
        using var scope = torch.NewDisposeScope();
        var window = new Window(p, steps, constant, membrane, lastSpikes, save, tracked) { Link = save && (tracked || keepHistory) ? new EndGradient() : null };
        var spikes = apply(currents, tracked ? membrane! : null!, window);
        // The link consumes the spikes, so its backward (which receives the last membrane's gradient) runs before this window's.
        var last = window.Link is not null ? MembraneLink.apply(spikes, window) : window.Last!;
        return (spikes.MoveToOuterDisposeScope(), last.MoveToOuterDisposeScope());
    }

    /// <summary>
    /// Runs a window as <see cref="Run"/> does from a state without gradient history, its spikes read inside the node by
    /// <paramref name="consumer"/>: returns the consumer's output, the last membrane and spikes (without history) and the
    /// window's spike count (float64, as a sum of the spikes). Needs gradients on: the node is for training.
    /// </summary>
    public static (Tensor Output, Tensor Membrane, Tensor LastSpikes, Tensor SpikeSum) RunFeeding(Tensor currents, int steps, bool constant,
        LifParameters p, Tensor? membrane, Tensor? lastSpikes, SpikeConsumer consumer)
    {
        if (membrane is { requires_grad: true }) throw new ArgumentException("A window feeding its spikes starts from a state without gradient history.");
        using var scope = torch.NewDisposeScope();
        var window = new Window(p, steps, constant, membrane, lastSpikes, Save: true, Tracked: false) { Consumer = consumer };
        var output = apply([currents, null!, window, .. consumer.Parameters.Select(t => (object)t!)]);
        return (output.MoveToOuterDisposeScope(), window.Last!.MoveToOuterDisposeScope(), window.LastOfWindow!.MoveToOuterDisposeScope(),
            window.SpikeSum!.MoveToOuterDisposeScope());
    }

    public override Tensor forward(AutogradContext ctx, params object[] vars)
    {
        var currents = (Tensor)vars[0];
        var w = (Window)vars[2];
        var p = w.Parameters;
        var rectangular = p.Surrogate as Rectangular;
        var hard = p.Reset == ResetMode.Hard;
        long[] shape = w.Constant ? currents.shape : currents.shape[1..];
        var dtype = currents.dtype;
        var device = currents.device;
        var spikes = torch.empty([w.Steps, .. shape], dtype: dtype, device: device);
        // Rectangular surrogate: two bits per neuron and step (in-window, and fired for a hard reset), four steps to a byte.
        Tensor? codes = w.Save && rectangular is not null ? torch.empty([CodePlanes(w.Steps), .. shape], dtype: ScalarType.Byte, device: device) : null;
        Tensor? distance = w.Save && rectangular is null ? torch.empty([w.Steps, .. shape], dtype: dtype, device: device) : null;
        // A plane's byte is summed in the membrane's dtype (whole numbers up to 255, exact) and cast once, at its last step:
        // libtorch's casts into bytes run element by element, its float adds vectorised.
        using var code = codes is not null ? torch.empty(shape, dtype: dtype, device: device) : null;
        var u = LifRecurrence.Run(t => w.Constant ? currents : currents[t], w.Steps, p, w.Membrane, w.LastSpikes, spikes, (t, x, s) =>
        {
            if (code is not null)
            {
                // Step t's bits are 2·(t mod 4) and the next one up; a plane's first step sets the whole value, so the
                // later steps' adds set bits that are still zero (the same as or-ing them in).
                var shift = CodeShift(t);
                using var inWindow = x.abs().lt_(rectangular!.Width / 2);
                if (shift == 0) code.copy_(inWindow);
                else code.add_(inWindow, alpha: 1 << shift);
                // The fired bit: for a hard reset's backward, and as the spikes a consumer's backward reads.
                if (hard || w.Consumer is not null) code.add_(s, alpha: 2 << shift);
                if (t % CodeSteps == CodeSteps - 1 || t == w.Steps - 1)
                {
                    using var plane = codes![t / CodeSteps];
                    plane.copy_(code);
                }
            }
            distance?[t].copy_(x);
        });
        Tensor[] consumerSaved = [];
        var output = spikes;
        if (w.Consumer is { } consumer)
        {
            // The spikes leave only through the consumer: its output, the carried last step and the count.
            (output, consumerSaved) = consumer.Forward(spikes);
            w.LastOfWindow = spikes[w.Steps - 1].clone();
            w.SpikeSum = spikes.sum().to_type(ScalarType.Float64);
            spikes.Dispose();
        }
        if (w.Save)
        {
            // A tracked membrane's gradient passes the first step's reset like any step's: where the carried spikes fired, none.
            var startFired = w.Tracked && hard ? w.LastSpikes?.ne(0.0) : null;
            ctx.save_for_backward([codes!, distance!, startFired!, .. consumerSaved]);
            // A channels-last convolution's currents: the gradient takes their layout, so that the convolution's backward
            // does not copy it into that layout (oneDNN's result is the same either way).
            var strides = w.Constant ? null : ChannelsLastStrides(currents);
            ctx.save_data("lif", new Saved(p, w.Steps, w.Constant, shape, dtype, w.Tracked, w.Link, w.Consumer) { Strides = strides });
            ctx.set_materialize_grads(false);
        }
        w.Last = u;
        return output;
    }

    public override List<Tensor> backward(AutogradContext ctx, Tensor grad_output)
    {
        GradientRelease.ReleaseReturned();
        using var scope = torch.NewDisposeScope();
        var saved = ctx.get_saved_variables();
        var (codes, distance, startFired) = (saved[0], saved[1], saved[2]);
        var info = (Saved)ctx.get_data("lif");
        var p = info.Parameters;
        var rectangular = p.Surrogate as Rectangular;
        var hard = p.Reset == ResetMode.Hard;
        var gradSpikes = GradientRelease.Defined(grad_output);
        // One gradient per consumer parameter (none where no gradient reached the consumer's output).
        var consumerGradients = new Tensor?[info.Consumer?.Parameters.Count ?? 0];
        if (info.Consumer is { } consumer && gradSpikes is not null)
        {
            // The spikes from the codes' fired bits (each piece's bit shifted down, then one mask and cast for all), or as u − θ ≥ 0.
            Tensor Spikes(IReadOnlyList<(int Step, long Sample, long Count)> pieces, ScalarType type)
            {
                using var scope = torch.NewDisposeScope();
                static Tensor Stacked(IEnumerable<Tensor> parts) => parts.ToList() is var list && list.Count == 1 ? list[0] : torch.cat(list);
                var fired = codes is not null
                    ? Stacked(pieces.Select(p => codes[p.Step / CodeSteps].narrow(0, p.Sample, p.Count).bitwise_right_shift(CodeShift(p.Step) + 1)))
                        .bitwise_and_(1)
                    : Stacked(pieces.Select(p => distance![p.Step].narrow(0, p.Sample, p.Count))).ge(0.0);
                return fired.to_type(type).MoveToOuterDisposeScope();
            }
            (gradSpikes, consumerGradients) = consumer.Backward(gradSpikes, [.. saved.Skip(3)], Spikes);
        }
        var device = gradSpikes?.device ?? torch.CPU;
        var gradInput = info.Constant
            ? torch.zeros(info.Shape, dtype: info.DType, device: device)
            : info.Strides is { } strides
                ? torch.empty_strided([info.Steps, .. info.Shape], strides, dtype: info.DType, device: device)
                : torch.empty([info.Steps, .. info.Shape], dtype: info.DType, device: device);
        // The gradient reaching u[t] from later steps through the recurrence; at the last step, what reached the last
        // membrane from a later call (a linked window; the link's backward has run).
        var endGradient = info.Link?.Take();
        var carry = endGradient;
        Tensor? gradMembrane = null;
        for (var t = info.Steps - 1; t >= 0; t--)
        {
            using var step = torch.NewDisposeScope();
            // In place where the tensor is this step's own, so that a step holds two neuron-sized floats (its gradient and
            // the carried one), not six; the products and sums are the same operations on the same values.
            Tensor? g = null;
            if (gradSpikes is not null)
            {
                if (rectangular is not null)
                    g = InWindow(codes!, t).to_type(info.DType).div_(rectangular.Width).mul_(gradSpikes[t]);
                else
                {
                    // A surrogate's derivative may be any tensor (a subclass's): multiplied out of place, then freed.
                    using var derivative = p.Surrogate.Derivative(distance![t]);
                    g = gradSpikes[t] * derivative;
                }
            }
            // Without a spike gradient g is the carried one (an alias): not this step's own, so not changed in place below.
            var own = g is not null;
            if (carry is not null) g = g is null ? carry.alias() : g.add_(carry);
            if (g is null)
            {
                if (!info.Constant) gradInput[t].zero_();
                continue;
            }
            if (info.Constant) gradInput.add_(g);
            else gradInput[t].copy_(g);
            // Into u[t − 1] through (u·(1 − s))·β (hard) or u·β − s·θ (soft, the s term detached); at t = 0 into the
            // carried membrane, when it is tracked. g is spent: it becomes that gradient.
            if (t == 0 && !info.Tracked) break;
            var next = own ? g.mul_(p.Beta) : g * p.Beta;
            if (hard && (t > 0 || startFired is not null))
            {
                // Where the neuron fired the step before (at t = 0: the carried spikes), the reset passes no gradient:
                // ·(1 − s), as the step's graph multiplies it.
                using var kept = t > 0
                    ? codes is not null ? Kept(codes, t - 1, info.DType) : Firing.Kept(distance![t - 1])
                    : 1.0 - startFired!.to_type(info.DType);
                next.mul_(kept);
            }
            if (t == 0)
            {
                gradMembrane = next.MoveToOuterDisposeScope();
                break;
            }
            carry?.Dispose();
            carry = next.MoveToOuterDisposeScope();
        }
        endGradient?.Dispose();
        GradientRelease.ReleaseReceived([grad_output]);
        return [GradientRelease.Returned(gradInput.MoveToOuterDisposeScope()),
            gradMembrane is null ? null! : GradientRelease.Returned(gradMembrane.MoveToOuterDisposeScope()), null!,
            .. consumerGradients.Select(g => g is null ? null! : GradientRelease.Returned(g.MoveToOuterDisposeScope()))];
    }

    /// <summary>
    /// The strides of window currents [K, N, C, H, W] laid out densely with the channels fastest (a channels-last
    /// convolution's output, folded over time); null for any other layout, which the gradient does not copy.
    /// </summary>
    internal static long[]? ChannelsLastStrides(Tensor currents)
    {
        if (currents.dim() != 5 || currents.is_contiguous()) return null;
        long[] size = currents.shape, stride = currents.stride();
        long c = size[2], h = size[3], w = size[4], n = size[1];
        long[] expected = [n * h * w * c, h * w * c, 1, w * c, c];
        for (var d = 0; d < 5; d++)
            if (size[d] != 1 && stride[d] != expected[d]) return null;
        return stride;
    }

    /// <summary>Steps whose two-bit codes share a byte.</summary>
    internal const int CodeSteps = 4;

    /// <summary>Byte planes of the codes of a window of <paramref name="steps"/> steps.</summary>
    internal static int CodePlanes(int steps) => (steps + CodeSteps - 1) / CodeSteps;

    private static int CodeShift(int t) => 2 * (t % CodeSteps);

    // Step t's in-window bit as 0/1 (a byte tensor of the caller's scope).
    private static Tensor InWindow(Tensor codes, int t)
    {
        using var plane = codes[t / CodeSteps];
        return plane.bitwise_right_shift(CodeShift(t)).bitwise_and_(1);
    }

    // 1 − s for step t's spikes s (the fired bit, kept for a hard reset or a consumer), in dtype: what the reset passes on.
    private static Tensor Kept(Tensor codes, int t, ScalarType dtype)
    {
        using var plane = codes[t / CodeSteps];
        using var bit = plane.bitwise_right_shift(CodeShift(t) + 1).bitwise_and_(1);
        return bit.to_type(dtype).neg_().add_(1.0);
    }

    /// <summary>
    /// The arguments of one window (not tensors of the graph: the carried state has no gradient history) and, after the
    /// forward, its last membrane. That is not an output of the node: an output that gets no gradient reaches backward
    /// as an undefined tensor that TorchSharp's scope statistics count as live forever. So the membrane leaves without
    /// gradient history, unless <see cref="MembraneLink"/> makes it the output of a node of its own.
    /// </summary>
    private sealed record Window(LifParameters Parameters, int Steps, bool Constant, Tensor? Membrane, Tensor? LastSpikes, bool Save, bool Tracked)
    {
        public Tensor? Last { get; set; }
        /// <summary>Set when the spikes feed a consumer inside the node: it reads them there, and only its output leaves.</summary>
        public SpikeConsumer? Consumer { get; init; }
        /// <summary>With a consumer: the window's last spikes and their count, which the caller would have read off the spikes.</summary>
        public Tensor? LastOfWindow { get; set; }
        public Tensor? SpikeSum { get; set; }
        /// <summary>Set when the last membrane is linked: where the link puts its gradient for this window's backward.</summary>
        public EndGradient? Link { get; init; }
    }

    /// <summary>What backward needs besides the saved tensors.</summary>
    private sealed record Saved(LifParameters Parameters, int Steps, bool Constant, long[] Shape, ScalarType DType, bool Tracked, EndGradient? Link,
        SpikeConsumer? Consumer)
    {
        /// <summary>The currents' strides where they are a channels-last convolution's output (<see cref="ChannelsLastStrides"/>), else null.</summary>
        public long[]? Strides { get; init; }
    }

    /// <summary>The gradient of a linked window's last membrane, from the link's backward to the window's.</summary>
    private sealed class EndGradient
    {
        private Tensor? value;

        public void Put(Tensor gradient) => value = gradient;

        /// <summary>The gradient (the caller disposes it), or null when none reached the last membrane.</summary>
        public Tensor? Take()
        {
            var result = value;
            value = null;
            return result;
        }
    }

    /// <summary>
    /// A window's last membrane as an autograd output. Its input is the window's spikes, only so that the engine
    /// runs this backward first; it passes the membrane's gradient to the window's backward and none to the spikes.
    /// </summary>
    private sealed class MembraneLink : SingleTensorFunction<MembraneLink>
    {
        public override string Name => "SnnLifMembraneLink";

        public override Tensor forward(AutogradContext ctx, params object[] vars)
        {
            var w = (Window)vars[1];
            ctx.save_data("link", w.Link!);
            ctx.set_materialize_grads(false);
            return w.Last!;
        }

        public override List<Tensor> backward(AutogradContext ctx, Tensor grad_output)
        {
            GradientRelease.ReleaseReturned();
            if (GradientRelease.Defined(grad_output) is { } g) ((EndGradient)ctx.get_data("link")).Put(g);   // disposed by the window's backward
            else GradientRelease.ReleaseReceived([grad_output]);
            return [null!, null!];
        }
    }
}
