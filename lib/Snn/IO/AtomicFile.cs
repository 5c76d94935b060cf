using System.Text;

namespace Snn.IO;

/// <summary>
/// Writes a whole file or nothing: a temporary file next to the target, then renamed over it, so a kill at any
/// moment leaves the old file or the new one. The one mechanism for checkpoints, run results and caches.
/// </summary>
internal static class AtomicFile
{
    /// <summary>Suffix of the temporary file; a leftover one is a write that was killed.</summary>
    public const string TemporarySuffix = ".tmp";

    public static void Write(string path, string text, bool flushToDisk = true) => Write(path, Encoding.UTF8.GetBytes(text), flushToDisk);

    public static void Write(string path, byte[] bytes, bool flushToDisk = true) => Write(path, stream => stream.Write(bytes), flushToDisk);

    // flushToDisk: also survive a machine crash (fsync before the rename); off for caches that are rebuilt anyway.
    public static void Write(string path, Action<Stream> write, bool flushToDisk = true)
    {
        var temp = path + TemporarySuffix;
        using (var stream = File.Create(temp))
        {
            write(stream);
            stream.Flush(flushToDisk);
        }
        File.Move(temp, path, overwrite: true);
    }

    /// <summary>Removes the temporary file a killed write of <paramref name="path"/> left behind (the target itself is always whole).</summary>
    public static void DiscardUnfinished(string path) => File.Delete(path + TemporarySuffix);
}
