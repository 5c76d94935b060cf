namespace Snn.Experiments;

public static class Profiles
{
    public const string Variable = "SNN_PROFILE";

    /// <summary>The profile named by SNN_PROFILE; quick when unset.</summary>
    public static Profile Current => Parse(Environment.GetEnvironmentVariable(Variable));

    public static Profile Parse(string? value) => value?.Trim().ToLowerInvariant() switch
    {
        null or "" or "quick" => Profile.Quick,
        "smoke" => Profile.Smoke,
        "full" => Profile.Full,
        _ => throw new ArgumentException($"{Variable}='{value}' is not a profile; expected smoke, quick or full.", nameof(value)),
    };

    /// <summary>Picks the value for this profile: <c>profile.Choose(smoke: 1, quick: 3, full: 30)</c>.</summary>
    public static T Choose<T>(this Profile profile, T smoke, T quick, T full) => profile switch
    {
        Profile.Smoke => smoke,
        Profile.Quick => quick,
        _ => full,
    };
}
