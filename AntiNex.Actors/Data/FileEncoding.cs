using System.Text;
using System.Text.Unicode;

namespace AntiNex.Data;

/// <summary>What one pass over a CSV's bytes tells before it is parsed: how to decode it (<see cref="FileEncoding"/>) and
/// how many lines it has (line breaks, plus a last line without one).</summary>
/// <param name="Encoding">null: the reader's default, UTF-8 (a byte order mark is honoured by the reader).</param>
/// <param name="BadByteOffset">the first byte that is not UTF-8 when <paramref name="Encoding"/> is set; else -1.</param>
public sealed record FileScan(Encoding? Encoding, long BadByteOffset, long Lines);

/// <summary>
/// How a CSV's bytes are read. UTF-8 (with or without a byte order mark) and UTF-16/32 with a byte order mark read as
/// they are; a file that is not valid UTF-8 reads as Windows-1252, the code page that spreadsheet and flow-export tools
/// on Windows write (a class name such as "Web Attack – XSS" holds byte 0x96 there), instead of showing replacement
/// characters.
/// </summary>
public static class FileEncoding
{
    private const int ChunkBytes = 1 << 20;

    /// <summary>Windows-1252, from the code pages that ship with .NET (no global provider registration).</summary>
    public static Encoding Windows1252 { get; } = CodePagesEncodingProvider.Instance.GetEncoding(1252)
        ?? throw new InvalidOperationException("code page 1252 is not available");

    /// <summary>The whole file, in one pass at disk-cache speed (vectorised validation and line count).</summary>
    public static FileScan Scan(string path) => Scan(path, headerOnly: false);

    /// <summary>The encoding as judged from the file's first line (a header): enough to read its column names without a
    /// pass over the whole file. ASCII names read the same either way.</summary>
    public static Encoding? OfHeader(string path) => Scan(path, headerOnly: true).Encoding;

    private static FileScan Scan(string path, bool headerOnly)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan);
        var buffer = new byte[ChunkBytes];
        int held = 0, read;
        long offset = 0, lines = 0; // offset: of buffer[0] in the file
        long? bad = null;
        bool first = true, unicodeMark = false;
        byte last = (byte)'\n';
        while ((read = stream.Read(buffer, held, buffer.Length - held)) > 0)
        {
            int length = held + read;
            lines += buffer.AsSpan(held, read).Count((byte)'\n');
            last = buffer[length - 1];
            if (first) unicodeMark = HasUnicodeMark(buffer.AsSpan(0, length));
            if (first && headerOnly && buffer.AsSpan(0, length).IndexOf((byte)'\n') is var end and >= 0) length = end + 1;
            first = false;
            // A character split by the end of this read is checked with the next one.
            int whole = length - SplitTail(buffer.AsSpan(0, length));
            if (bad is null && !unicodeMark && !Utf8.IsValid(buffer.AsSpan(0, whole)))
                bad = offset + FirstInvalid(buffer.AsSpan(0, whole));
            if (headerOnly) break;
            held = length - whole;
            buffer.AsSpan(whole, held).CopyTo(buffer);
            offset += whole;
        }
        if (bad is null && held > 0 && !unicodeMark) bad = offset; // the file ends inside a character
        lines += last == (byte)'\n' ? 0 : 1;
        return bad is { } at ? new FileScan(Windows1252, at, lines) : new FileScan(null, -1, lines);
    }

    /// <summary>Bytes at the end that start a character and are fewer than it needs (0 to 3).</summary>
    private static int SplitTail(ReadOnlySpan<byte> bytes)
    {
        for (int i = bytes.Length - 1; i >= Math.Max(0, bytes.Length - 3); i--)
        {
            byte b = bytes[i];
            if ((b & 0xC0) == 0x80) continue; // a continuation byte: look further back for its lead
            if (b < 0xC0) return 0;
            int needs = b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : 2;
            return bytes.Length - i < needs ? bytes.Length - i : 0;
        }
        return 0;
    }

    private static int FirstInvalid(ReadOnlySpan<byte> bytes)
    {
        var chars = new char[bytes.Length];
        Utf8.ToUtf16(bytes, chars, out int valid, out _, replaceInvalidSequences: false);
        return valid;
    }

    private static bool HasUnicodeMark(ReadOnlySpan<byte> start) =>
        start.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]) || start.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xFE])
        || start.StartsWith((ReadOnlySpan<byte>)[0xFE, 0xFF]) || start.StartsWith((ReadOnlySpan<byte>)[0, 0, 0xFE, 0xFF]);
}
