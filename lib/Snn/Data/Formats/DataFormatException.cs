namespace Snn.Data.Formats;

/// <summary>A file that does not follow its published format; the message names the file and byte offset.</summary>
public sealed class DataFormatException(string message) : IOException(message);
