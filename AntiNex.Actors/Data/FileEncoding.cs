using System.Text;
using System.Text.Unicode;

namespace AntiNex.Data;

/// <summary>
/// How a CSV's bytes are read. UTF-8 (with or without a byte order mark) and UTF-16/32 with a byte order mark read as
/// they are; a file that is not valid UTF-8 reads as Windows-1252, the code page that spreadsheet and flow-export tools
/// on Windows write (a class name such as "Web Attack – XSS" holds byte 0x96 there), instead of showing replacement
/// characters.
/// </summary>
public static class FileEncoding
{
    /// <summary>Windows-1252, from the code pages that ship with .NET (no global provider registration).</summary>
    public static Encoding Windows1252 { get; } = CodePagesEncodingProvider.Instance.GetEncoding(1252)
        ?? throw new InvalidOperationException("code page 1252 is not available");

    /// <summary>Null when the file reads as UTF-8 (the reader's default; a byte order mark is honoured by the reader), else
    /// <see cref="Windows1252"/> with the offset of the first byte that is not UTF-8.</summary>
    public static (Encoding? Encoding, long BadByteOffset) Detect(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan);
        var buffer = new byte[1 << 20];
        int held = 0, read;
        long offset = 0; // of buffer[0] in the file
        bool first = true;
        while ((read = stream.Read(buffer, held, buffer.Length - held)) > 0)
        {
            int length = held + read;
            if (first && HasUnicodeMark(buffer.AsSpan(0, length))) return (null, -1);
            first = false;
            // A character split by the end of this read is checked with the next one.
            int whole = length - SplitTail(buffer.AsSpan(0, length));
            if (!Utf8.IsValid(buffer.AsSpan(0, whole))) return (Windows1252, offset + FirstInvalid(buffer.AsSpan(0, whole)));
            held = length - whole;
            buffer.AsSpan(whole, held).CopyTo(buffer);
            offset += whole;
        }
        return held == 0 ? (null, -1) : (Windows1252, offset); // the file ends inside a character
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
