namespace Snn.Costs;

/// <summary>Who keeps a stage's output during the block's backward (<see cref="StageFootprint"/>).</summary>
internal enum OutputHolder
{
    /// <summary>The block's scope, until the block ends: the last stage of a block.</summary>
    Scope,
    /// <summary>The next stage's linear synapse on spikes, as bool, until the block's graph goes.</summary>
    Bits,
    /// <summary>The next stage's synapse (autograd), until its backward has passed: counted with that stage.</summary>
    NextSynapse,
    /// <summary>Nobody: a LIF window feeding the next linear synapse gives its spikes back from its own saved codes.</summary>
    Codes,
}
