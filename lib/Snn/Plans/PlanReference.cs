namespace Snn.Plans;

/// <summary>
/// Where a plan comes from, in one line each: the method's name, the paper it follows, and what the kit does differently
/// (docs/method.md, "Related methods as plans", has the full account). For tables that set methods side by side.
/// </summary>
/// <param name="Method">The plan's <see cref="TrainingPlan.Mode"/> (BPTT, TBPTT, Local, TT-Local, SLTT, …).</param>
/// <param name="Paper">The paper whose equations the plan follows.</param>
/// <param name="Differs">What the kit's plan does not reproduce of that paper.</param>
public sealed record PlanReference(string Method, string Paper, string Differs)
{
    /// <summary>The reference of <paramref name="plan"/>: by its related method where it has one, else by what it cuts.</summary>
    public static PlanReference Of(TrainingPlan plan)
    {
        ArgumentNullException.ThrowIfNull(plan);
        const string kitNeuron = "the kit's LIF, readout integrator and optimizer";
        var (paper, differs) = plan.Method switch
        {
            RelatedMethod.Sltt => ("Meng et al., ICCV 2023 (SLTT)",
                $"CE loss without TET's MSE term; {kitNeuron}; not their networks, augmentation or SGD recipe"),
            RelatedMethod.SlttK => ("Meng et al., ICCV 2023 (SLTT-K)",
                "steps drawn from the plan's own seeded generator; unchosen steps scored without gradient; as SLTT otherwise"),
            RelatedMethod.OtttA or RelatedMethod.OtttO => ("Xiao et al., NeurIPS 2022 (OTTT)",
                $"max pooling before the neuron routes δ through step t's winners; {kitNeuron}; not their networks or SGD recipe"),
            RelatedMethod.Decolle => ("Kaiser, Mostafa & Neftci, Front. Neurosci. 2020 (DECOLLE)",
                "the kit's LIF has no synaptic/eligibility trace (each step's gradient uses that step's spikes); MSE, not SmoothL1; Adam, not Adamax"),
            _ => plan.Mode switch
            {
                "BPTT" => ("backpropagation through time (Werbos 1990): the reference", "nothing: the full gradient"),
                "TBPTT" => ("truncated BPTT (Williams & Peng 1990), as Guo et al. 2023 use it",
                    plan.Update == UpdatePolicy.Accumulate ? "one update per batch (Guo et al. update per window)" : "nothing"),
                "Local" => ("local training of Guo et al. 2023 (blocks with local heads)",
                    plan.Update == UpdatePolicy.Accumulate ? "one update per batch (Guo et al. update per block)" : "nothing"),
                _ => ("TT-Local, Guo et al. 2023: this kit's method",
                    plan.Update == UpdatePolicy.Accumulate ? "one update per batch (the paper updates per window and block)" : "nothing"),
            },
        };
        return new PlanReference(plan.Mode, paper, differs);
    }
}
