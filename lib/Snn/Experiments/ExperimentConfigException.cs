namespace Snn.Experiments;

/// <summary>An experiment config that cannot run: <see cref="Key"/> is the key path ("plan.K"), the message says what is allowed.</summary>
public sealed class ExperimentConfigException(string key, string message) : FormatException($"{key}: {message}")
{
    public string Key { get; } = key;
}
