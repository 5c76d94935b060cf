using System.Text;

namespace Snn.Experiments;

/// <summary>Writes a whole file or nothing: a temporary file flushed to disk, then renamed over the target.</summary>
internal static class AtomicFile
{
    public static void Write(string path, string text) => Write(path, stream =>
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        stream.Write(bytes);
    });

    public static void Write(string path, Action<Stream> write)
    {
        var temp = path + ".tmp";
        using (var stream = File.Create(temp))
        {
            write(stream);
            stream.Flush(flushToDisk: true);
        }
        File.Move(temp, path, overwrite: true);
    }
}
