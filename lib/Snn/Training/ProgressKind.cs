namespace Snn.Training;

public enum ProgressKind { Batch, Epoch }
