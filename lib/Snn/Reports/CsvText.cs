using System.Text;

namespace Snn.Reports;

/// <summary>RFC 4180 text as <see cref="ReportTable"/> writes it: cells quoted when they hold a comma, quote or line break, quotes doubled.</summary>
internal static class CsvText
{
    /// <summary>
    /// The records of <paramref name="text"/> (blank lines skipped); throws <see cref="InvalidDataException"/> naming
    /// <paramref name="source"/> for an unclosed quote.
    /// </summary>
    public static List<string[]> Parse(string text, string source)
    {
        var records = new List<string[]>();
        var cells = new List<string>();
        var cell = new StringBuilder();
        var (quoted, line, quoteLine) = (false, 1, 0);
        void EndRecord()
        {
            cells.Add(cell.ToString());
            cell.Clear();
            if (cells.Count > 1 || cells[0].Length > 0) records.Add([.. cells]);
            cells.Clear();
        }
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (quoted)
            {
                if (c == '"')
                {
                    if (i + 1 < text.Length && text[i + 1] == '"') { cell.Append('"'); i++; }
                    else quoted = false;
                }
                else
                {
                    if (c == '\n') line++;
                    cell.Append(c);
                }
                continue;
            }
            switch (c)
            {
                case '"' when cell.Length == 0: quoted = true; quoteLine = line; break;
                case ',': cells.Add(cell.ToString()); cell.Clear(); break;
                case '\r' when i + 1 < text.Length && text[i + 1] == '\n': break;
                case '\n' or '\r': EndRecord(); line++; break;
                default: cell.Append(c); break;
            }
        }
        if (quoted) throw new InvalidDataException($"{source}, line {quoteLine}: a quoted cell is never closed (expected a closing '\"').");
        if (cell.Length > 0 || cells.Count > 0) EndRecord();
        return records;
    }
}
