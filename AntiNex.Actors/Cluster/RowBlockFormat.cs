// The binary wire form of raw-row predicts and their answers: a few header fields, then the float32 values as raw
// little-endian bytes (4 bytes a value, no text, no base64). Strings are int32 length + UTF-8.
//   predict-rows.f32:   model id | int32 columns | int32 count | count x float32
//   rows-predicted.f32: label | int64 version | node | int32 count | count x float32
using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Runtime.Serialization;
using System.Text;
using AntiNex.Models;

namespace AntiNex.Cluster;

internal static class RowBlockFormat
{
    /// <summary>Header bytes besides the values and strings: what a sender adds to 4 bytes per value.</summary>
    public const int FixedOverhead = 32;

    public static byte[] Write(PredictRawRows m)
    {
        var id = Encoding.UTF8.GetBytes(m.ModelId);
        // Every byte is written below: no need to zero megabytes first.
        var bytes = GC.AllocateUninitializedArray<byte>(4 + id.Length + 4 + 4 + m.Values.Length * 4);
        var at = WriteString(bytes, 0, id);
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(at), m.Columns);
        at = WriteFloats(bytes, at + 4, m.Values);
        return bytes;
    }

    public static PredictRawRows ReadRows(byte[] bytes)
    {
        var at = 0;
        var id = ReadString(bytes, ref at, "model id");
        var columns = ReadInt32(bytes, ref at, "columns");
        return new PredictRawRows(id, columns, ReadFloats(bytes, ref at));
    }

    public static byte[] Write(RowsPredicted m)
    {
        var label = Encoding.UTF8.GetBytes(m.Label);
        var node = Encoding.UTF8.GetBytes(m.Node);
        var bytes = GC.AllocateUninitializedArray<byte>(4 + label.Length + 8 + 4 + node.Length + 4 + m.Values.Length * 4);
        var at = WriteString(bytes, 0, label);
        BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(at), m.Version);
        at = WriteString(bytes, at + 8, node);
        WriteFloats(bytes, at, m.Values);
        return bytes;
    }

    public static RowsPredicted ReadPredicted(byte[] bytes)
    {
        var at = 0;
        var label = ReadString(bytes, ref at, "label");
        Need(bytes, at, 8, "version");
        var version = BinaryPrimitives.ReadInt64LittleEndian(bytes.AsSpan(at));
        at += 8;
        var node = ReadString(bytes, ref at, "node");
        return new RowsPredicted(label, version, ReadFloats(bytes, ref at), node);
    }

    private static int WriteString(byte[] bytes, int at, byte[] utf8)
    {
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(at), utf8.Length);
        utf8.CopyTo(bytes, at + 4);
        return at + 4 + utf8.Length;
    }

    private static int WriteFloats(byte[] bytes, int at, float[] values)
    {
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(at), values.Length);
        at += 4;
        if (BitConverter.IsLittleEndian) MemoryMarshal.AsBytes(values.AsSpan()).CopyTo(bytes.AsSpan(at));
        else
            for (int i = 0; i < values.Length; i++) BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(at + i * 4), values[i]);
        return at + values.Length * 4;
    }

    private static float[] ReadFloats(byte[] bytes, ref int at)
    {
        var count = ReadInt32(bytes, ref at, "value count");
        if (count < 0 || (long)count * 4 != bytes.Length - at)
            throw new SerializationException($"row block: {count} values announced, {bytes.Length - at} bytes present");
        var values = GC.AllocateUninitializedArray<float>(count); // filled below
        if (BitConverter.IsLittleEndian) bytes.AsSpan(at, count * 4).CopyTo(MemoryMarshal.AsBytes(values.AsSpan()));
        else
            for (int i = 0; i < count; i++) values[i] = BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan(at + i * 4));
        at += count * 4;
        return values;
    }

    private static string ReadString(byte[] bytes, ref int at, string what)
    {
        var length = ReadInt32(bytes, ref at, what + " length");
        if (length < 0) throw new SerializationException($"row block: negative {what} length");
        Need(bytes, at, length, what);
        var text = Encoding.UTF8.GetString(bytes, at, length);
        at += length;
        return text;
    }

    private static int ReadInt32(byte[] bytes, ref int at, string what)
    {
        Need(bytes, at, 4, what);
        var value = BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(at));
        at += 4;
        return value;
    }

    private static void Need(byte[] bytes, int at, int length, string what)
    {
        if (at + length > bytes.Length) throw new SerializationException($"row block: truncated at {what}");
    }
}
