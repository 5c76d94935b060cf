namespace Snn.Training;

/// <summary>Raised when the loss becomes NaN or infinite: training stops instead of writing garbage.</summary>
public sealed class TrainingDivergedException(string message) : Exception(message);
