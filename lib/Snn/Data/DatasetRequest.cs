namespace Snn.Data;

/// <summary>
/// What a run asks of a dataset's loader (<see cref="DatasetInfo.LoadImages"/>, <see cref="DatasetInfo.LoadEvents"/>):
/// T time bins of event frames at <see cref="Size"/> px, seeded subsets of the splits (null = all; synthetic: the sizes).
/// </summary>
public sealed record DatasetRequest(int TimeBins, int? Size = null, int? TrainSubset = null, int? TestSubset = null, int Seed = 0);
