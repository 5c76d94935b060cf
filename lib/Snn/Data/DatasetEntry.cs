namespace Snn.Data;

/// <summary>A dataset the kit reads: where it lives, which script fetches it, and a check that reads it.</summary>
public sealed record DatasetEntry(string Name, string Description, string Script, Func<string?> Locate, Func<string, string> Verify);
