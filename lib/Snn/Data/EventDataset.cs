using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using TorchSharp;
using static TorchSharp.torch;
using Snn.Data.Events;
using Snn.Data.Formats;
using Snn.IO;

namespace Snn.Data;

/// <summary>
/// Labelled event recordings binned into frames and held in memory: <see cref="Frames"/> [N, T, C, H, W]
/// float32 event counts, <see cref="Labels"/> [N] int64. Batches come out time-major, [T, B, C, H, W].
/// Binned frames are cached on disk under a name made of the binning key and a hash of the source files
/// (paths, sizes, modification times), so a second run does not re-read the raw events.
/// </summary>
public sealed class EventDataset : IBatchSource, IDisposable
{
    private const string CacheMagic = "SNNFRM01";

    public EventDataset(string name, Tensor frames, Tensor labels, IReadOnlyList<string> classNames, Binning binning)
    {
        if (frames.dim() != 5) throw new ArgumentException($"{name}: frames must be [N, T, C, H, W]; got [{string.Join(", ", frames.shape)}].", nameof(frames));
        if (labels.dim() != 1 || labels.shape[0] != frames.shape[0])
            throw new ArgumentException($"{name}: {frames.shape[0]} samples but labels of shape [{string.Join(", ", labels.shape)}].", nameof(labels));
        Name = name; Binning = binning; ClassNames = classNames;
        Frames = frames.DetachFromDisposeScope();
        Labels = labels.DetachFromDisposeScope();
    }

    public string Name { get; }
    public Binning Binning { get; }
    public Tensor Frames { get; }
    public Tensor Labels { get; }
    public IReadOnlyList<string> ClassNames { get; }
    public int Count => (int)Frames.shape[0];
    public int TimeSteps => (int)Frames.shape[1];
    /// <summary>Per-step sample shape [C, H, W].</summary>
    public long[] SampleShape => Frames.shape[2..];
    /// <summary>Where the frames were cached (null when not cached).</summary>
    public string? CachePath { get; private init; }
    public bool LoadedFromCache { get; private init; }

    /// <summary>
    /// Reads and bins every sample (in parallel), or loads the frames from <paramref name="cacheFolder"/>
    /// when a cache for the same files and binning exists. Every sample must give the same number of
    /// frames: use <see cref="BinningMode.TimeBins"/> or <see cref="BinningMode.EventBins"/>.
    /// </summary>
    public static EventDataset Load(string name, IReadOnlyList<(string Path, int Label)> samples, Func<string, EventStream> read,
        Binning binning, IReadOnlyList<string> classNames, string? cacheFolder = null, Action<int, int>? progress = null)
    {
        binning.Validate();
        if (samples.Count == 0) throw new ArgumentException($"{name}: no samples.", nameof(samples));
        var bad = samples.FirstOrDefault(s => s.Label < 0 || s.Label >= classNames.Count);
        if (bad.Path is not null) throw new DataFormatException($"{bad.Path}: label {bad.Label} is not a class index 0..{classNames.Count - 1}.");
        string? cache = null;
        if (cacheFolder is not null)
        {
            cache = Path.Combine(cacheFolder, $"{Sanitize(name)}-{binning.Key}-{SourceHash(samples)}.frames");
            if (File.Exists(cache))
            {
                var (f, l) = ReadCache(cache);
                return new EventDataset(name, f, l, classNames, binning) { CachePath = cache, LoadedFromCache = true };
            }
        }
        var frames = new float[samples.Count][];
        long[]? shape = null;
        var done = 0;
        var gate = new object();
        try
        {
            Parallel.For(0, samples.Count, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, i =>
            {
                var data = EventBinning.FrameCounts(read(samples[i].Path), binning, out var s);
                lock (gate)
                {
                    shape ??= s;
                    if (!s.SequenceEqual(shape))
                        throw new InvalidOperationException($"{samples[i].Path} gives frames [{string.Join(", ", s)}] but earlier samples gave "
                            + $"[{string.Join(", ", shape)}]: choose a binning with a fixed number of frames (TimeBins or EventBins).");
                }
                frames[i] = data;
                var n = Interlocked.Increment(ref done);
                if (progress is not null) lock (gate) progress(n, samples.Count);
            });
        }
        catch (AggregateException e) when (e.InnerExceptions.Count >= 1)
        {
            // Report the reader's own error (file and offset), not the parallel loop's wrapper.
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(e.InnerExceptions[0]).Throw();
            throw;
        }
        using var outer = torch.NewDisposeScope();
        var size = frames[0].Length;
        var all = new float[(long)samples.Count * size];
        for (var i = 0; i < frames.Length; i++) frames[i].CopyTo(all, (long)i * size);
        var x = torch.tensor(all, [samples.Count, .. shape!]);
        var y = torch.tensor(samples.Select(s => (long)s.Label).ToArray());
        if (cache is not null) WriteCache(cache, x, y);
        return new EventDataset(name, x.MoveToOuterDisposeScope(), y.MoveToOuterDisposeScope(), classNames, binning) { CachePath = cache };
    }

    /// <summary>An N-MNIST-layout split folder (Train/ or Test/ of N-MNIST or of emulated N-Fashion-MNIST).</summary>
    public static EventDataset FromNMnistFolder(string name, string splitFolder, Binning binning, IReadOnlyList<string> classNames,
        string? cacheFolder = null, int? limit = null, int seed = 0, Action<int, int>? progress = null)
    {
        var samples = SeededSubset(NMnist.ListSplit(splitFolder, classNames.Count), limit, seed);
        return Load(name, samples, p => NMnist.Read(p), binning, classNames, cacheFolder, progress);
    }

    /// <summary>
    /// <paramref name="limit"/> samples drawn by a seeded shuffle, in path order (ordinal); all of them when the limit
    /// is null or not smaller than the count.
    /// </summary>
    public static IReadOnlyList<(string Path, int Label)> SeededSubset(IReadOnlyList<(string Path, int Label)> samples, int? limit, int seed)
    {
        if (limit is not { } k || k >= samples.Count) return samples;
        if (k < 1) throw new ArgumentOutOfRangeException(nameof(limit), k, "A subset needs at least one sample.");
        var picked = samples.ToArray();
        new Random(seed).Shuffle(picked);
        return picked[..k].OrderBy(s => s.Path, StringComparer.Ordinal).ToArray();
    }

    /// <summary>
    /// DVS128 Gesture: the recordings listed in trials_to_train.txt / trials_to_test.txt, each cut into its
    /// labelled gestures by its _labels.csv; <paramref name="limit"/> keeps a seeded subset of the gestures
    /// (<see cref="SeededSubset"/>). A recording is read once and dropped when all its chosen gestures are binned.
    /// </summary>
    public static EventDataset FromDvsGesture(string folder, bool train, Binning binning, string? cacheFolder = null,
        int? limit = null, int seed = 0, Action<int, int>? progress = null)
    {
        var all = new List<(string Path, int Label)>();
        foreach (var recording in DvsGesture.Trials(folder, train))
        {
            var rows = DvsGesture.ReadLabels(Path.Combine(Path.GetDirectoryName(recording)!, Path.GetFileNameWithoutExtension(recording) + "_labels.csv"));
            for (var i = 0; i < rows.Count; i++) all.Add(($"{recording}{SampleSeparator}{i}", rows[i].Label));
        }
        var samples = SeededSubset(all, limit, seed);
        var remaining = new System.Collections.Concurrent.ConcurrentDictionary<string, int>();
        foreach (var (key, _) in samples) remaining.AddOrUpdate(key[..key.LastIndexOf(SampleSeparator)], 1, (_, n) => n + 1);
        var open = new System.Collections.Concurrent.ConcurrentDictionary<string, Lazy<IReadOnlyList<(EventStream Events, int Label)>>>();
        EventStream Read(string key)
        {
            var cut = key.LastIndexOf(SampleSeparator);
            var (path, index) = (key[..cut], int.Parse(key[(cut + 1)..], System.Globalization.CultureInfo.InvariantCulture));
            var gestures = open.GetOrAdd(path, p => new(() => DvsGesture.ReadRecording(p))).Value;
            if (remaining.AddOrUpdate(path, 0, (_, n) => n - 1) == 0) open.TryRemove(path, out _);
            return gestures[index].Events;
        }
        return Load(train ? "DVS128 Gesture train" : "DVS128 Gesture test", samples, Read, binning, DvsGesture.ClassNames, cacheFolder, progress);
    }

    /// <summary>CIFAR10-DVS with the seeded 9:1 split of <see cref="Cifar10Dvs.Split"/>.</summary>
    public static EventDataset FromCifar10Dvs(string folder, bool train, Binning binning, int seed = 0, string? cacheFolder = null,
        Action<int, int>? progress = null)
    {
        var (trainSet, testSet) = Cifar10Dvs.Split(folder, seed);
        return Load(train ? "CIFAR10-DVS train" : "CIFAR10-DVS test", train ? trainSet : testSet, Aedat.ReadCifar10Dvs, binning, Cifar10Dvs.ClassNames,
            cacheFolder, progress);
    }

    // Separates a recording's path from a sample index in sample keys ("path#3").
    private const char SampleSeparator = '#';

    /// <summary>
    /// Mini-batches ([T, B, C, H, W], labels) in seeded random order or in sample order. Without prefetch
    /// the tensors are made in the caller's dispose scope; with <paramref name="prefetch"/> the next batch
    /// is gathered on a worker thread while the caller uses the current one, and its tensors belong to no
    /// scope: attach them to one (scope.Attach) or dispose them.
    /// </summary>
    public IEnumerable<(Tensor Frames, Tensor Labels)> Batches(int batchSize, bool shuffle = false, int seed = 0, bool prefetch = false)
    {
        SampleOrder.CheckBatchSize(batchSize);
        var order = SampleOrder.Of(Count, shuffle, seed);
        var starts = Enumerable.Range(0, (Count + batchSize - 1) / batchSize).Select(b => b * batchSize).ToArray();
        (Tensor, Tensor) Gather(int start)
        {
            using var index = torch.tensor(order.AsSpan(start, Math.Min(batchSize, Count - start)).ToArray());
            return (Frames.index_select(0, index).transpose(0, 1), Labels.index_select(0, index));
        }
        if (!prefetch)
        {
            foreach (var start in starts) yield return Gather(start);
            yield break;
        }
        var next = Task.Run(() => Gather(starts[0]));
        for (var b = 0; b < starts.Length; b++)
        {
            var current = next.GetAwaiter().GetResult();
            if (b + 1 < starts.Length)
            {
                var start = starts[b + 1];
                next = Task.Run(() => Gather(start));
            }
            yield return current;
        }
    }

    long[] IBatchSource.StepShape => SampleShape;
    int? IBatchSource.TimeSteps => TimeSteps;

    /// <summary>The binned frames as they are, [T, N, C, H, W]; <paramref name="timeSteps"/> must be the binning's T.</summary>
    IEnumerable<(Tensor Input, Tensor Labels)> IBatchSource.Batches(int batchSize, int timeSteps, bool shuffle, int seed, Device? device)
    {
        if (timeSteps != TimeSteps)
            throw new ArgumentException($"{Name} holds T = {TimeSteps} frames per sample ({Binning.Key}) but T = {timeSteps} was asked for: "
                + $"bin the events into {timeSteps} frames.", nameof(timeSteps));
        foreach (var (x, y) in Batches(batchSize, shuffle, seed))
        {
            if (device is null || device.type == DeviceType.CPU) { yield return (x, y); continue; }
            yield return (x.to(device), y.to(device));
            x.Dispose();
            y.Dispose();
        }
    }

    /// <summary>A copy whose event counts are clipped to [0, <paramref name="maxCount"/>] (e.g. 1: binary frames).</summary>
    public EventDataset WithCountsClamped(float maxCount)
    {
        if (!(maxCount > 0)) throw new ArgumentOutOfRangeException(nameof(maxCount), maxCount, "The largest count kept must be > 0.");
        using var scope = torch.NewDisposeScope();
        return new EventDataset($"{Name} (counts ≤ {maxCount})", Frames.clamp(0, maxCount).MoveToOuterDisposeScope(), Labels.alias().MoveToOuterDisposeScope(),
            ClassNames, Binning);
    }

    public void Dispose() { Frames.Dispose(); Labels.Dispose(); }

    public override string ToString() =>
        $"{Name}: {Count} samples of {TimeSteps}×{string.Join("×", SampleShape)} frames ({Binning.Key}), {ClassNames.Count} classes";

    private static string Sanitize(string name) => new(name.Select(ch => char.IsLetterOrDigit(ch) || ch is '-' or '_' ? ch : '_').ToArray());

    private static string SourceHash(IReadOnlyList<(string Path, int Label)> samples)
    {
        var sb = new StringBuilder();
        foreach (var (path, label) in samples)
        {
            var cut = path.LastIndexOf(SampleSeparator);
            var info = new FileInfo(cut > 0 && !File.Exists(path) ? path[..cut] : path);
            sb.Append(Path.GetFullPath(path)).Append('|').Append(label).Append('|')
              .Append(info.Exists ? info.Length : -1).Append('|').Append(info.Exists ? info.LastWriteTimeUtc.Ticks : 0).Append('\n');
        }
        return Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(sb.ToString())))[..16].ToLowerInvariant();
    }

    // Cache: magic, int32 rank-5 shape, int64 labels, float32 frames (little-endian).
    private static void WriteCache(string path, Tensor frames, Tensor labels)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        AtomicFile.Write(path, stream =>
        {
            using var w = new BinaryWriter(stream, Encoding.ASCII, leaveOpen: true);
            w.Write(Encoding.ASCII.GetBytes(CacheMagic));
            foreach (var d in frames.shape) w.Write((int)d);
            foreach (var l in labels.data<long>()) w.Write(l);
            var data = frames.contiguous().data<float>().ToArray();
            var bytes = new byte[data.Length * 4];
            Buffer.BlockCopy(data, 0, bytes, 0, bytes.Length);
            w.Write(bytes);
        }, flushToDisk: false);   // a cache: rebuilt if lost
    }

    private static (Tensor Frames, Tensor Labels) ReadCache(string path)
    {
        var bytes = File.ReadAllBytes(path);
        if (bytes.Length < 28 || Encoding.ASCII.GetString(bytes, 0, 8) != CacheMagic)
            throw new DataFormatException($"{path}: not a frame cache (bad magic at offset 0); delete it to rebuild.");
        var shape = Enumerable.Range(0, 5).Select(i => (long)BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(8 + 4 * i))).ToArray();
        var n = shape[0];
        var count = shape.Aggregate(1L, (a, b) => a * b);
        if (shape.Any(d => d < 0) || bytes.Length != 28 + 8 * n + 4 * count)
            throw new DataFormatException($"{path}: frame cache of {bytes.Length} bytes does not match its header [{string.Join(", ", shape)}] "
                + $"(truncated at offset {bytes.Length}?); delete it to rebuild.");
        var labels = new long[n];
        Buffer.BlockCopy(bytes, 28, labels, 0, (int)(8 * n));
        var data = new float[count];
        Buffer.BlockCopy(bytes, (int)(28 + 8 * n), data, 0, (int)(4 * count));
        return (torch.tensor(data, shape), torch.tensor(labels));
    }
}
