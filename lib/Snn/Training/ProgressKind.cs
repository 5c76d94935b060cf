namespace Snn.Training;

/// <summary>What a <see cref="TrainingProgress"/> reports: batches (throttled), a finished epoch, or a mid-epoch checkpoint just written.</summary>
public enum ProgressKind { Batch, Epoch, Checkpoint }
