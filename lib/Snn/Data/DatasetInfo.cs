namespace Snn.Data;

/// <summary>
/// One dataset the kit knows, as one entry of <see cref="DatasetRegistry"/>: its name, what one time step of it looks
/// like, where its files are looked for, what gets them, and how they are checked and loaded. Configs, `snn data` and
/// the loaders read these facts here, so a dataset is added, renamed or moved in one place.
/// </summary>
public sealed record DatasetInfo
{
    /// <summary>The one spelling: a config's "dataset.name" (part of every run id) and the NAME of `snn data verify`.</summary>
    public required string Name { get; init; }
    /// <summary>Older names `snn data verify` still accepts (never a config: a config has one spelling).</summary>
    public IReadOnlyList<string> Aliases { get; init; } = [];
    /// <summary>The published name, as in messages ("Fashion-MNIST").</summary>
    public required string Title { get; init; }
    /// <summary>One line for `snn data list`.</summary>
    public required string Description { get; init; }
    public required int Classes { get; init; }
    /// <summary>Binned event frames (true) or images fed through an encoder (false).</summary>
    public required bool IsEvent { get; init; }
    public required int Channels { get; init; }
    /// <summary>The frame side in px; null where it is a config's "size" (<see cref="MinSize"/> … <see cref="MaxSize"/>).</summary>
    public int? Side { get; init; }
    public int MinSize { get; init; }
    public int MaxSize { get; init; }
    /// <summary>The "size" when a config gives none.</summary>
    public int DefaultSize { get; init; }
    /// <summary>The sensor side of recordings downsampled by the integer factor SensorSize / size (size must divide it); else null.</summary>
    public int? SensorSize { get; init; }
    /// <summary>The subsets when a config gives none (synthetic data: its sizes); null = the whole split.</summary>
    public int? DefaultTrainSubset { get; init; }
    public int? DefaultTestSubset { get; init; }

    /// <summary>The variable that points at the folder ($SNN_…_DIR); null for data made without files.</summary>
    public string? Variable { get; init; }
    /// <summary>The folder's name under $SNN_DATA and data/.</summary>
    public string? Folder { get; init; }
    /// <summary>A folder the files may unpack into, tried inside each candidate before the candidate itself.</summary>
    public string? Subfolder { get; init; }
    /// <summary>Folders tried after the usual ones when no folder is given (a system package).</summary>
    public IReadOnlyList<string> SystemFolders { get; init; } = [];
    /// <summary>The script under the repository that fetches or makes the files.</summary>
    public string? Script { get; init; }
    /// <summary>How to get the files, for messages; default "fetch it with <see cref="Script"/>".</summary>
    public string HowToGet { get => howToGet ?? $"fetch it with {Script}"; init => howToGet = value; }
    private readonly string? howToGet;
    /// <summary>A cheap check that a folder holds the dataset (directories and list files only, nothing is read).</summary>
    public Func<string, bool> Holds { get; init; } = _ => true;
    /// <summary>The dataset this one is emulated from on first use (its files are that dataset's); else null.</summary>
    public DatasetInfo? MadeFrom { get; init; }

    /// <summary>
    /// Reads the files in a folder with the kit's readers and checks their sizes; returns a summary line, throws
    /// DataFormatException or IOException when something is missing or malformed. Null: nothing of its own to verify.
    /// </summary>
    public Func<string, string>? Verify { get; init; }
    /// <summary>The full train and test images of a frame dataset from its folder (null: made without files).</summary>
    public Func<string?, DatasetRequest, (ImageDataset Train, ImageDataset Test)>? LoadImages { get; init; }
    /// <summary>The binned train and test frames of an event dataset from its folder, subsets drawn, frames cached.</summary>
    public Func<string, DatasetRequest, (EventDataset Train, EventDataset Test)>? LoadEvents { get; init; }

    /// <summary>Whether <paramref name="name"/> is this dataset's name or an alias (any case).</summary>
    public bool IsCalled(string name) =>
        Name.Equals(name, StringComparison.OrdinalIgnoreCase) || Aliases.Contains(name, StringComparer.OrdinalIgnoreCase);

    /// <summary>Whether the dataset needs files on this machine (synthetic data does not).</summary>
    public bool NeedsFiles => Variable is not null || MadeFrom is not null;

    /// <summary>Whether the frame side is a config's "size".</summary>
    public bool IsSized => Side is null;

    /// <summary>The per-step input shape [C, H, W] at frame side <paramref name="size"/> (default <see cref="DefaultSize"/>).</summary>
    public long[] InputShape(int? size = null)
    {
        var side = Side ?? size ?? DefaultSize;
        return [Channels, side, side];
    }

    /// <summary>
    /// The folders looked in, in order (<see cref="DataPaths.Candidates"/>: the given folder alone, else $VARIABLE,
    /// $SNN_DATA/folder, data/folder up the tree, then <see cref="SystemFolders"/>), each preceded by its <see cref="Subfolder"/>.
    /// </summary>
    public IEnumerable<string> Candidates(string? folder = null)
    {
        if (MadeFrom is not null) return MadeFrom.Candidates(folder);
        if (Variable is null || Folder is null) return [];
        var candidates = DataPaths.Candidates(folder, Variable, Folder);
        if (folder is null) candidates = candidates.Concat(SystemFolders);
        return Subfolder is null ? candidates : candidates.SelectMany(d => new[] { Path.Combine(d, Subfolder), d });
    }

    /// <summary>The first candidate folder that holds the dataset, or null (also for data made without files).</summary>
    public string? Locate(string? folder = null) =>
        MadeFrom is not null ? MadeFrom.Locate(folder) : Candidates(folder).FirstOrDefault(d => Directory.Exists(d) && Holds(d));

    /// <summary>The folder <see cref="Locate"/> finds, or a DirectoryNotFoundException saying where it looked and how to get the files.</summary>
    public string Require(string? folder = null) => Locate(folder) ?? throw new DirectoryNotFoundException(NotPresent(folder));

    /// <summary>Where the dataset was looked for and how to get it: the message for an absent dataset.</summary>
    public string NotPresent(string? folder = null)
    {
        if (MadeFrom is not null) return $"{Name} is emulated from {MadeFrom.Title}, which is not present: {MadeFrom.NotPresent(folder)}";
        if (Variable is null) return $"{Name} is made without files and is always present.";
        var looked = string.Join(", ", Candidates(folder));
        if (folder is not null) return $"{Title} not found. Looked in: {looked}; {HowToGet}.";   // a folder given (`snn train --data`)
        var sub = Subfolder is null ? "" : $", each or its {Subfolder}/";
        var system = SystemFolders.Count == 0 ? "" : $", then {string.Join(", ", SystemFolders)}";
        return $"{Name} is not present (looked in ${Variable}, $SNN_DATA/{Folder}, data/{Folder} in the current folder or a parent{sub}{system}: {looked}); "
            + $"{HowToGet}, check it with `snn data verify {Name}`, or set {Variable}.";
    }
}
