namespace Snn.Benchmarks;

/// <summary>
/// Where a bench step's input is encoded. Training draws fresh event frames for every batch, so the default encodes inside
/// each step (its time and memory count); plain PyTorch benchmark loops draw one batch before timing and feed it to every
/// step, which <see cref="Once"/> reproduces so that both sides measure the same work.
/// </summary>
public enum BenchInput
{
    /// <summary>A fresh seeded encoding inside every step (event frames: a new Bernoulli draw), counted in the step.</summary>
    PerStep,

    /// <summary>One seeded encoding before the steps, reused by every step and outside each step's time and peak.</summary>
    Once,
}
