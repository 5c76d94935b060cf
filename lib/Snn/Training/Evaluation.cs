namespace Snn.Training;

/// <summary>Loss and accuracy of a full-T evaluation.</summary>
public sealed record Evaluation(double Loss, double Accuracy, int Samples, double Seconds)
{
    public override string ToString() => $"accuracy {Accuracy:P2}, loss {Loss:F4} on {Samples} samples ({Seconds:F1} s)";
}
