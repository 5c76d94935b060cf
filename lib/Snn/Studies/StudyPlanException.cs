namespace Snn.Studies;

/// <summary>
/// A pre-registration (plan.json) that cannot be used: <see cref="PlanFile"/> names the file, <see cref="Key"/> the JSON
/// path ("contrasts[2].treatment"), the message says what was expected.
/// </summary>
public sealed class StudyPlanException(string planFile, string key, string message) : FormatException($"{planFile}: {key}: {message}")
{
    public string PlanFile { get; } = planFile;

    public string Key { get; } = key;
}
