using Snn.Data.Formats;
namespace Snn.Data;

/// <summary>
/// The datasets behind `snn data list|verify`. <see cref="DatasetEntry.Verify"/> reads the files with the
/// same readers the kit uses (all of them for frame datasets, a sample of recordings for event datasets)
/// and throws <see cref="DataFormatException"/> or IOException when something is missing or malformed.
/// </summary>
public static class DataCatalog
{
    public static IReadOnlyList<DatasetEntry> All { get; } =
    [
        new("fashion-mnist", "Fashion-MNIST, 70 000 28×28 grey images (IDX)", "data-scripts/fetch-fashion-mnist.sh",
            () => Try(() => FashionMnist.Locate()),
            dir =>
            {
                var (train, test) = FashionMnist.Load(dir);
                using (train) using (test) return Expect(train.Count, 60_000, test.Count, 10_000, "images");
            }),
        new(Mnist.FolderName, "MNIST, 70 000 28×28 grey digits (IDX)", "data-scripts/fetch-mnist.sh",
            () => Try(() => Mnist.Locate()),
            dir =>
            {
                var (train, test) = Mnist.Load(dir);
                using (train) using (test) return Expect(train.Count, 60_000, test.Count, 10_000, "images");
            }),
        new("cifar-10", "CIFAR-10 binary version, 60 000 32×32 colour images", "data-scripts/fetch-cifar10.sh",
            () => Try(() => Cifar10.Locate()),
            dir =>
            {
                var (train, test) = Cifar10.Load(dir);
                using (train) using (test) return Expect(train.Count, 50_000, test.Count, 10_000, "images");
            }),
        new("n-mnist", "N-MNIST, 70 000 event recordings of MNIST digits (34×34, .bin)", "data-scripts/fetch-n-mnist.sh",
            () => Existing(DataPaths.Candidates(null, "SNN_NMNIST_DIR", "n-mnist"), d => Directory.Exists(Path.Combine(d, "Test"))),
            dir =>
            {
                var train = NMnist.ListSplit(Path.Combine(dir, "Train"));
                var test = NMnist.ListSplit(Path.Combine(dir, "Test"));
                var events = Sample(train.Concat(test).Select(s => s.Path).ToList(), 200).Sum(p => (long)NMnist.Read(p).Count);
                return Expect(train.Count, 60_000, test.Count, 10_000, "recordings") + $"; 200 sampled recordings read ({events / 200} events each on average)";
            }),
        new("dvs-gesture", "DVS128 Gesture, 1 342 gestures of 11 classes in AEDAT 3.1 recordings", "data-scripts/fetch-dvs-gesture.sh",
            () => Existing(DataPaths.Candidates(null, "SNN_DVS_GESTURE_DIR", "dvs-gesture").SelectMany(d => new[] { Path.Combine(d, "DvsGesture"), d }), d => File.Exists(Path.Combine(d, "trials_to_test.txt"))),
            dir =>
            {
                var train = DvsGesture.Trials(dir, train: true);
                var test = DvsGesture.Trials(dir, train: false);
                foreach (var f in train.Concat(test))
                    if (!File.Exists(f)) throw new FileNotFoundException($"{f} is listed in the split files but missing.", f);
                var samples = DvsGesture.ReadRecording(test[0]);
                return $"{train.Count} training and {test.Count} test recordings; {Path.GetFileName(test[0])} holds {samples.Count} labelled gestures";
            }),
        new("cifar10-dvs", "CIFAR10-DVS, 10 000 event recordings of CIFAR-10 images (AEDAT 2.0)", "data-scripts/fetch-cifar10-dvs.sh",
            () => Existing(DataPaths.Candidates(null, "SNN_CIFAR10_DVS_DIR", "cifar10-dvs"), d => Directory.Exists(Path.Combine(d, "truck"))),
            dir =>
            {
                var (train, test) = Cifar10Dvs.Split(dir);
                var events = Sample(train.Concat(test).Select(s => s.Path).ToList(), 50).Sum(p => (long)Aedat.ReadCifar10Dvs(p).Count);
                return Expect(train.Count, 9_000, test.Count, 1_000, "recordings (seeded 9:1 split)") + $"; 50 sampled recordings read ({events / 50} events each on average)";
            }),
        new(EmulatedNFashionMnist.FolderName, "EMULATED N-Fashion-MNIST made from Fashion-MNIST by the event emulator (N-MNIST layout)",
            "data-scripts/make-emulated-n-fashion-mnist.sh",
            () => Existing(DataPaths.Candidates(null, "SNN_EMULATED_DIR", EmulatedNFashionMnist.FolderName)
                .SelectMany(d => Directory.Exists(d) ? new[] { d }.Concat(Directory.GetDirectories(d)) : []), EmulatedNFashionMnist.IsEmulated),
            dir =>
            {
                if (!EmulatedNFashionMnist.IsEmulated(dir)) throw new DataFormatException($"{dir}: no {EmulatedNFashionMnist.MarkerFile} marker; not emulated data made by this kit.");
                var splits = new[] { "Train", "Test" }.Where(s => Directory.Exists(Path.Combine(dir, s))).ToList();
                var parts = splits.Select(s =>
                {
                    var files = NMnist.ListSplit(Path.Combine(dir, s));
                    foreach (var p in Sample(files.Select(f => f.Path).ToList(), 100)) NMnist.Read(p);
                    return $"{s} {files.Count}";
                });
                return $"EMULATED recordings: {string.Join(", ", parts)} (100 sampled per split read)";
            }),
    ];

    public static DatasetEntry Find(string name) =>
        All.FirstOrDefault(e => e.Name.Equals(name, StringComparison.OrdinalIgnoreCase))
        ?? throw new ArgumentException($"Unknown dataset '{name}'. Known: {string.Join(", ", All.Select(e => e.Name))}.", nameof(name));

    private static string? Try(Func<string> locate)
    {
        try { return locate(); }
        catch (DirectoryNotFoundException) { return null; }
    }

    private static string? Existing(IEnumerable<string> candidates, Func<string, bool> ok) => candidates.FirstOrDefault(d => Directory.Exists(d) && ok(d));

    private static string Expect(int train, int trainExpected, int test, int testExpected, string what)
    {
        if (train != trainExpected || test != testExpected)
            throw new DataFormatException($"{train} training and {test} test {what}; the published dataset has {trainExpected} and {testExpected}.");
        return $"{train} training and {test} test {what}";
    }

    // Evenly spaced sample of up to n paths (first and last included).
    private static IEnumerable<string> Sample(IReadOnlyList<string> paths, int n) =>
        paths.Count <= n ? paths : Enumerable.Range(0, n).Select(i => paths[(int)((long)i * (paths.Count - 1) / (n - 1))]);
}
