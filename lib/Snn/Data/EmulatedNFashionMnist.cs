using System.Text.Json;
using Snn.Data.Events;
using Snn.Data.Formats;
using Snn.IO;
using TorchSharp;

namespace Snn.Data;

/// <summary>
/// "Emulated N-Fashion-MNIST": real Fashion-MNIST images turned into event streams by
/// <see cref="EventEmulator"/> (saccades + DVS pixel model) and stored in the N-MNIST layout
/// (&lt;root&gt;/Train|Test/&lt;class&gt;/&lt;index&gt;.bin), so it is read by <see cref="NMnist"/>.
/// It is EMULATED data, not a sensor recording: each split folder carries an EMULATED.json saying so, and the
/// dataset names say "emulated".
/// </summary>
public static class EmulatedNFashionMnist
{
    public static string FolderName => DatasetRegistry.EmulatedNFashionMnist.Folder!;
    public const string MarkerFile = "EMULATED.json";

    public static string DefaultFolder => Path.Combine(DataPaths.Root(), FolderName);

    /// <summary>
    /// Emulates the first <paramref name="count"/> images of <paramref name="source"/> (take a seeded
    /// Subset first for a random selection) into &lt;root&gt;/&lt;split&gt;. Files already present are kept
    /// when the marker's options match, so generation is idempotent and resumable.
    /// </summary>
    public static string Generate(ImageDataset source, string root, string split, int count, EmulatorOptions? options = null, int seed = 0,
        Action<int, int>? progress = null)
    {
        var o = (options ?? new EmulatorOptions()).Validated();
        if (split is not ("Train" or "Test")) throw new ArgumentException($"Split must be 'Train' or 'Test'; got '{split}'.", nameof(split));
        count = Math.Min(count, source.Count);
        var folder = Path.Combine(root, split);
        Directory.CreateDirectory(folder);
        var marker = Path.Combine(folder, MarkerFile);
        var description = JsonSerializer.Serialize(new
        {
            note = "EMULATED event data generated from Fashion-MNIST images by Snn.Data.EventEmulator; not recorded with an event camera.",
            source = source.ClassNames.Count == 10 ? "Fashion-MNIST" : source.Name,
            options = o,
            split,
            seed,
        }, new JsonSerializerOptions { WriteIndented = true });
        if (File.Exists(marker) && File.ReadAllText(marker) != description)
            throw new InvalidOperationException(
                $"{root} holds emulated data made with other settings (see {marker}); delete the folder or choose another one.");
        File.WriteAllText(marker, description);
        if (source.SampleShape is not [1, var h, var w])
            throw new ArgumentException($"{source.Name}: the emulator takes grey images [N, 1, H, W].", nameof(source));
        var labels = source.Labels.data<long>().ToArray();
        var pixels = source.Images.narrow(0, 0, count).contiguous().data<float>().ToArray(); // read once: no tensor work on worker threads
        var size = (int)(h * w);
        var done = 0;
        var gate = new object();
        Parallel.For(0, count, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, i =>
        {
            var dir = Path.Combine(folder, labels[i].ToString(System.Globalization.CultureInfo.InvariantCulture));
            var path = Path.Combine(dir, $"{i:D5}.bin");
            if (!File.Exists(path))
            {
                Directory.CreateDirectory(dir);
                var events = EventEmulator.Emulate(pixels.AsSpan(i * size, size), (int)h, (int)w, o, EventEmulator.SampleSeed(seed, i));
                AtomicFile.Write(path, NMnist.Encode(events), flushToDisk: false);   // regenerated if lost
            }
            var n = Interlocked.Increment(ref done);
            if (progress is not null) lock (gate) progress(n, count);
        });
        return folder;
    }

    /// <summary>
    /// What `snn data emulate` makes: the first <paramref name="train"/> training and <paramref name="test"/> test images of
    /// Fashion-MNIST emulated into <paramref name="root"/> (default <see cref="DefaultFolder"/>) with the default emulator,
    /// the test split with seed + 1. File i is image i, and files already there are kept, so a larger call extends a
    /// smaller one. Returns the root and the recordings each split holds from this call (at most the images there are).
    /// </summary>
    public static (string Root, int Train, int Test) Make(int train, int test, int seed = 0, string? root = null, Action<string, int, int>? progress = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(train);
        ArgumentOutOfRangeException.ThrowIfNegative(test);
        root ??= DefaultFolder;
        var (fashionTrain, fashionTest) = FashionMnist.Load();
        using (fashionTrain)
        using (fashionTest)
        {
            var options = new EmulatorOptions();
            Generate(fashionTrain, root, "Train", train, options, seed, progress is null ? null : (d, n) => progress("Train", d, n));
            Generate(fashionTest, root, "Test", test, options, seed + 1, progress is null ? null : (d, n) => progress("Test", d, n));
            return (root, Math.Min(train, fashionTrain.Count), Math.Min(test, fashionTest.Count));
        }
    }

    /// <summary>True when <paramref name="folder"/> (a root or one of its Train/Test folders) carries the emulated-data marker.</summary>
    public static bool IsEmulated(string folder) =>
        File.Exists(Path.Combine(folder, MarkerFile)) || new[] { "Train", "Test" }.Any(s => File.Exists(Path.Combine(folder, s, MarkerFile)));

    /// <summary>Emulates image <paramref name="index"/> of a [N, 1, H, W] dataset; the seed mixes in the index.</summary>
    public static EventStream Emulate(ImageDataset data, int index, EmulatorOptions? options = null, int seed = 0)
    {
        if (data.SampleShape is not [1, var h, var w])
            throw new ArgumentException(
                $"{data.Name}: the emulator takes grey images [N, 1, H, W]; samples are [{string.Join(", ", data.SampleShape)}].", nameof(data));
        using var scope = torch.NewDisposeScope();
        var pixels = data.Images[index].contiguous().data<float>().ToArray();
        return EventEmulator.Emulate(pixels, (int)h, (int)w, options, EventEmulator.SampleSeed(seed, index));
    }
}
