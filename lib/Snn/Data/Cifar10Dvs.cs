using Snn.Data.Formats;

namespace Snn.Data;

/// <summary>
/// CIFAR10-DVS (Li et al. 2017): CIFAR10-DVS/&lt;class&gt;/cifar10_&lt;class&gt;_&lt;n&gt;.aedat, 1000 per class,
/// no official split: a seeded shuffle per class puts 90 % in train and 10 % in test.
/// </summary>
public static class Cifar10Dvs
{
    public static IReadOnlyList<string> ClassNames => Cifar10.ClassNames;

    public static (IReadOnlyList<(string Path, int Label)> Train, IReadOnlyList<(string Path, int Label)> Test) Split(
        string folder, int seed = 0, double trainFraction = 0.9)
    {
        if (trainFraction is <= 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(trainFraction), trainFraction, "Train fraction must be in (0, 1).");
        var train = new List<(string, int)>();
        var test = new List<(string, int)>();
        for (var c = 0; c < ClassNames.Count; c++)
        {
            var dir = Path.Combine(folder, ClassNames[c]);
            if (!Directory.Exists(dir))
                throw new DirectoryNotFoundException(
                    $"{dir} is missing: CIFAR10-DVS needs one folder per class ({string.Join(", ", ClassNames)}) in {folder}.");
            var files = Directory.GetFiles(dir, "*.aedat").OrderBy(f => f, StringComparer.Ordinal).ToArray();
            if (files.Length == 0) throw new DataFormatException($"{dir}: no .aedat files.");
            new Random(unchecked(seed * 1_000_003 + c)).Shuffle(files); // HashCode is per-process random: not usable here
            var k = (int)Math.Round(files.Length * trainFraction);
            train.AddRange(files[..k].Select(f => (f, c)));
            test.AddRange(files[k..].Select(f => (f, c)));
        }
        return (train, test);
    }
}
