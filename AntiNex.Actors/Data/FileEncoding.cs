using System.Text;

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
        int read = stream.Read(buffer);
        if (HasUnicodeMark(buffer.AsSpan(0, read))) return (null, -1);
        // Decoding (not just counting, which keeps no state) carries a character split across two reads.
        var decoder = new UTF8Encoding(false, throwOnInvalidBytes: true).GetDecoder();
        var chars = new char[buffer.Length];
        long offset = 0;
        while (read > 0)
        {
            try { decoder.GetChars(buffer, 0, read, chars, 0, flush: false); }
            catch (DecoderFallbackException e) { return (Windows1252, offset + Math.Max(0, e.Index)); }
            offset += read;
            read = stream.Read(buffer);
        }
        try { decoder.GetChars([], 0, 0, chars, 0, flush: true); }
        catch (DecoderFallbackException) { return (Windows1252, Math.Max(0, offset - 1)); }
        return (null, -1);
    }

    private static bool HasUnicodeMark(ReadOnlySpan<byte> start) =>
        start.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]) || start.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xFE])
        || start.StartsWith((ReadOnlySpan<byte>)[0xFE, 0xFF]) || start.StartsWith((ReadOnlySpan<byte>)[0, 0, 0xFE, 0xFF]);
}
