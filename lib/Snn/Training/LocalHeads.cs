using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Snn.Training;

/// <summary>The local heads of a plan on a network: one per block except the last (which uses the readout).</summary>
public sealed class LocalHeads : nn.Module
{
    private readonly ModuleList<LocalHead> heads;

    public LocalHeads(IEnumerable<LocalHead> heads, string name = "heads") : base(name)
    {
        this.heads = nn.ModuleList(heads.ToArray());
        RegisterComponents();
    }

    public int Count => heads.Count;
    public LocalHead this[int block] => heads[block];
}
