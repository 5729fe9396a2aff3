using System.Buffers;
using System.Text;
using System.Text.Unicode;

namespace AntiNex.Data;

/// <summary>What one pass over a CSV's bytes tells before it is parsed: how to decode it (<see cref="FileEncoding"/>) and
/// how many lines it has (line breaks, plus a last line without one).</summary>
/// <param name="Encoding">null: the reader's default, UTF-8 (a byte order mark is honoured by the reader).</param>
/// <param name="BadByteOffset">the first byte that is not UTF-8 when <paramref name="Encoding"/> is set; else -1 (a file read
/// as UTF-8 despite some: <see cref="FileScan.Stray"/>).</param>
public sealed record FileScan(Encoding? Encoding, long BadByteOffset, long Lines)
{
    /// <summary>Bytes before the text: the UTF-8 byte order mark of a file read as Windows-1252 (which would read it as
    /// three letters); 0 otherwise (the reader strips a mark it honours).</summary>
    public int Skip { get; init; }

    /// <summary>Bytes that are not UTF-8 in a file read as UTF-8 all the same (<see cref="FileEncoding"/>); null when none.</summary>
    public StrayBytes? Stray { get; init; }

    /// <summary>The whole file was scanned (false: its first line only, <see cref="FileEncoding.OfHeader"/>).</summary>
    public bool WholeFile { get; init; } = true;

    /// <summary>The file, positioned where its text starts.</summary>
    public Stream Open(string path)
    {
        var stream = File.OpenRead(path);
        if (Skip > 0) stream.Seek(Skip, SeekOrigin.Begin);
        return stream;
    }
}

/// <summary>Bytes that are not UTF-8 in a file with a UTF-8 byte order mark whose other characters beyond ASCII are
/// UTF-8: read as UTF-8, each such byte sequence as U+FFFD, and said.</summary>
/// <param name="Count">bytes that are not UTF-8.</param>
/// <param name="FirstOffset">the first one's offset in the file.</param>
/// <param name="FirstLine">the line it is on, 1-based as an editor counts.</param>
public sealed record StrayBytes(long Count, long FirstOffset, long FirstLine)
{
    public string Warning(string field, string? path) => $"{field}: {Path.GetFileName(path)} has a UTF-8 byte order mark and was read as " +
        $"UTF-8, but {Count:N0} byte{(Count == 1 ? " is" : "s are")} not UTF-8 (the first is byte {FirstOffset:N0}, on line {FirstLine:N0}) " +
        $"and read as U+FFFD: fix {(Count == 1 ? "it" : "them")}, or save the file in one encoding";
}

/// <summary>
/// How a CSV's bytes are read: one encoding for the whole file, header included. UTF-8 (with or without a byte order
/// mark) and UTF-16/32 with a byte order mark read as they are; a file that is not valid UTF-8 reads as Windows-1252, the
/// code page that spreadsheet and flow-export tools on Windows write (a class name such as "Web Attack – XSS" holds byte
/// 0x96 there), instead of showing replacement characters. A UTF-8 byte order mark does not spare the check: a tool that
/// prepends one to Windows-1252 text makes a file whose mark is wrong, and its bytes decide. A marked file whose characters
/// beyond ASCII are mostly UTF-8 (as many bytes of valid ones, counted beyond their UTF-16 length, as bytes that are not)
/// is UTF-8 with a few stray bytes, though: it reads as UTF-8, those bytes as U+FFFD, and says where (<see cref="StrayBytes"/>),
/// instead of turning every other letter of it into two.
/// </summary>
public static class FileEncoding
{
    private const int ChunkBytes = 1 << 20;

    /// <summary>Windows-1252, from the code pages that ship with .NET (no global provider registration).</summary>
    public static Encoding Windows1252 { get; } = CodePagesEncodingProvider.Instance.GetEncoding(1252)
        ?? throw new InvalidOperationException("code page 1252 is not available");

    /// <summary>The whole file, in one pass at disk-cache speed (vectorised validation and line count).</summary>
    public static FileScan Scan(string path) => Scan(path, headerOnly: false);

    /// <summary>How to read the file's first line (a header). Names in ASCII read the same in either encoding, so the
    /// file is not read further (<see cref="FileScan.Lines"/> then counts that line only); names beyond ASCII take the
    /// whole file's encoding (<see cref="Scan(string)"/>), as the loader reads them: a Windows-1252 byte in a later row
    /// makes the header Windows-1252 too. That scan is whole (<see cref="FileScan.WholeFile"/>): the loader takes it
    /// instead of scanning the file again.</summary>
    public static FileScan OfHeader(string path) => Scan(path, headerOnly: true);

    private static FileScan Scan(string path, bool headerOnly)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan);
        var buffer = new byte[ChunkBytes];
        int held = 0, read;
        long offset = 0, lines = 0; // offset: of buffer[0] in the file
        long? bad = null;
        long badLine = 0;
        bool first = true, unicodeMark = false, utf8Mark = false;
        byte last = (byte)'\n';
        var marked = new MarkedTally();
        while ((read = stream.Read(buffer, held, buffer.Length - held)) > 0)
        {
            int length = held + read;
            last = buffer[length - 1];
            if (first)
            {
                utf8Mark = buffer.AsSpan(0, length).StartsWith(Utf8Mark);
                unicodeMark = HasUtf16Or32Mark(buffer.AsSpan(0, length));
                if (headerOnly && (unicodeMark || PlainAsciiLine(buffer.AsSpan(0, length), utf8Mark)))
                    return new FileScan(null, -1, 1) { WholeFile = false };
            }
            first = false;
            // A character split by the end of this read is checked with the next one.
            int whole = length - SplitTail(buffer.AsSpan(0, length));
            var text = buffer.AsSpan(0, whole);
            if (bad is null && !unicodeMark && !Utf8.IsValid(text))
            {
                int at = FirstInvalid(text);
                (bad, badLine) = (offset + at, lines + text[..at].Count((byte)'\n') + 1);
            }
            if (utf8Mark) marked.Add(offset == 0 ? text[Utf8Mark.Length..] : text, valid: bad is null); // the mark is no character of the text
            lines += buffer.AsSpan(held, read).Count((byte)'\n');
            held = length - whole;
            buffer.AsSpan(whole, held).CopyTo(buffer);
            offset += whole;
        }
        if (held > 0 && !unicodeMark) // the file ends inside a character
        {
            if (bad is null) (bad, badLine) = (offset, lines + 1);
            marked.Invalid += held;
        }
        lines += last == (byte)'\n' ? 0 : 1;
        if (bad is not { } firstBad) return new FileScan(null, -1, lines);
        // A byte order mark claims UTF-8: a file whose characters beyond ASCII are mostly UTF-8 keeps it, its stray bytes read as U+FFFD.
        if (utf8Mark && marked.Multibyte >= marked.Invalid)
            return new FileScan(null, -1, lines) { Stray = new StrayBytes(marked.Invalid, firstBad, badLine) };
        return new FileScan(Windows1252, firstBad, lines) { Skip = utf8Mark ? Utf8Mark.Length : 0 };
    }

    /// <summary>Of a file with a UTF-8 byte order mark: its characters beyond ASCII that are valid UTF-8 (counted by the bytes
    /// they take beyond their UTF-16 length, one or two each), and its bytes that are not.</summary>
    private sealed class MarkedTally
    {
        private char[]? _chars;
        public long Multibyte { get; private set; }
        public long Invalid { get; set; }

        /// <param name="valid">the bytes are known to be valid UTF-8 (checked already): only counted.</param>
        public void Add(ReadOnlySpan<byte> bytes, bool valid)
        {
            if (valid)
            {
                Multibyte += bytes.Length - Encoding.UTF8.GetCharCount(bytes);
                return;
            }
            _chars ??= new char[ChunkBytes];
            while (!bytes.IsEmpty)
            {
                var status = Utf8.ToUtf16(bytes, _chars, out int read, out int written, replaceInvalidSequences: false);
                Multibyte += read - written;
                bytes = bytes[read..];
                if (status != OperationStatus.InvalidData) continue;
                Rune.DecodeFromUtf8(bytes, out _, out int invalid); // the length of the sequence that is not UTF-8
                Invalid += invalid;
                bytes = bytes[invalid..];
            }
        }
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

    /// <summary>The first line (after a UTF-8 mark) is whole in <paramref name="start"/>, ASCII, and has no quote (a quoted
    /// header cell may run on into lines not looked at).</summary>
    private static bool PlainAsciiLine(ReadOnlySpan<byte> start, bool utf8Mark)
    {
        var text = start[(utf8Mark ? Utf8Mark.Length : 0)..];
        int end = text.IndexOf((byte)'\n');
        return end >= 0 && Ascii.IsValid(text[..end]) && !text[..end].Contains((byte)'"');
    }

    private static ReadOnlySpan<byte> Utf8Mark => [0xEF, 0xBB, 0xBF];

    /// <summary>A UTF-16 or UTF-32 byte order mark: such text is never valid UTF-8, and the reader decodes it by its mark.</summary>
    private static bool HasUtf16Or32Mark(ReadOnlySpan<byte> start) =>
        start.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xFE])
        || start.StartsWith((ReadOnlySpan<byte>)[0xFE, 0xFF]) || start.StartsWith((ReadOnlySpan<byte>)[0, 0, 0xFE, 0xFF]);
}
