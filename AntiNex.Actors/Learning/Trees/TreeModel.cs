using System.IO.Compression;
using System.Text;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace AntiNex.Learning.Trees;

/// <summary>
/// A fitted tree ensemble. <see cref="Score"/> is thread-safe (batches are scored one at a time under a lock) and
/// allocates nothing per row. Outputs per row, <see cref="OutputWidth"/> values, laid out as the network's: binary =
/// the probability of class 1; multi-class = one probability per class (0 for a class the training rows lacked);
/// regression = the predicted value. Holds no native memory: nothing to dispose.
/// </summary>
public sealed class TreeModel
{
    private static readonly byte[] Magic = "ANXT"u8.ToArray();
    private const byte FormatVersion = 1;

    private readonly MLContext _ml;
    private readonly ITransformer _transformer;
    private readonly int[] _present;
    private readonly object _scoreLock = new();

    internal TreeModel(MLContext ml, ITransformer transformer, TreeKind kind, TaskKind task, int inputs, int classes, int[] present)
    {
        (_ml, _transformer, Kind, Task, Inputs, Classes, _present) = (ml, transformer, kind, task, inputs, classes, present);
    }

    /// <summary>The first fit diverged and this one was fitted with <see cref="TreeLearner.StableL2"/>
    /// (<see cref="TreeSpec.RefitIfDiverged"/>). Not stored in the bytes.</summary>
    public bool Refitted { get; private init; }

    internal TreeModel AsRefitted() => new(_ml, _transformer, Kind, Task, Inputs, Classes, _present) { Refitted = true };

    public TreeKind Kind { get; }
    public TaskKind Task { get; }
    /// <summary>Values per input row.</summary>
    public int Inputs { get; }
    /// <summary>Class count (2 for binary), 0 for regression.</summary>
    public int Classes { get; }
    /// <summary>Values per output row: the class count for multi-class, else 1.</summary>
    public int OutputWidth => Task == TaskKind.MultiClass ? Classes : 1;

    /// <summary>Scores <paramref name="rows"/> row-major rows of <see cref="Inputs"/> values into
    /// <paramref name="outputs"/> (rows x <see cref="OutputWidth"/>).</summary>
    public void Score(ReadOnlyMemory<float> x, int rows, Span<float> outputs)
    {
        if (rows < 0 || x.Length < (long)rows * Inputs)
            throw new ArgumentException($"x holds {x.Length} values, fewer than {rows} rows x {Inputs} inputs");
        if (outputs.Length < (long)rows * OutputWidth)
            throw new ArgumentException($"outputs hold {outputs.Length} values, fewer than {rows} rows x {OutputWidth} outputs");
        if (rows == 0) return;
        lock (_scoreLock)
        {
            var scored = _transformer.Transform(new MatrixDataView(x[..(rows * Inputs)], rows, Inputs));
            var column = scored.Schema[Task == TaskKind.Binary ? "Probability" : "Score"];
            using var cursor = scored.GetRowCursor([column]);
            int i = 0;
            if (Task == TaskKind.MultiClass)
            {
                var get = cursor.GetGetter<VBuffer<float>>(column);
                var buffer = default(VBuffer<float>);
                while (cursor.MoveNext())
                {
                    get(ref buffer);
                    var row = outputs.Slice(i++ * Classes, Classes);
                    row.Clear();
                    var values = buffer.DenseValues().GetEnumerator();
                    for (int j = 0; j < _present.Length && values.MoveNext(); j++) row[_present[j]] = values.Current;
                }
            }
            else
            {
                var get = cursor.GetGetter<float>(column);
                float value = 0;
                while (cursor.MoveNext())
                {
                    get(ref value);
                    outputs[i++] = value;
                }
            }
            if (i != rows) throw new InvalidOperationException($"the tree ensemble scored {i} of {rows} rows");
        }
    }

    /// <summary>"ANXT" | version | kind | task | inputs | classes | present classes | ML.NET model (zip).</summary>
    public byte[] ToBytes()
    {
        using var stream = new MemoryStream();
        using (var w = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true))
        {
            w.Write(Magic);
            w.Write(FormatVersion);
            w.Write((byte)Kind);
            w.Write((byte)Task);
            w.Write(Inputs);
            w.Write(Classes);
            w.Write(_present.Length);
            foreach (var c in _present) w.Write(c);
            using var saved = new MemoryStream();
            _ml.Model.Save(_transformer, new MatrixDataView(ReadOnlyMemory<float>.Empty, 0, Inputs).Schema, saved);
            var zip = WithoutTimestamps(saved);
            w.Write(zip.Length);
            w.Write(zip);
        }
        return stream.ToArray();
    }

    private static readonly DateTimeOffset ZipEpoch = new(1980, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>ML.NET stamps every zip entry with the time of saving, so one model saved a second apart gave other
    /// bytes. Rewritten with a fixed stamp, the same model always serialises to the same bytes.</summary>
    private static byte[] WithoutTimestamps(MemoryStream saved)
    {
        saved.Position = 0;
        using var output = new MemoryStream();
        using (var source = new ZipArchive(saved, ZipArchiveMode.Read, leaveOpen: true))
        using (var target = new ZipArchive(output, ZipArchiveMode.Create, leaveOpen: true))
            foreach (var entry in source.Entries)
            {
                var copy = target.CreateEntry(entry.FullName, CompressionLevel.Optimal);
                copy.LastWriteTime = ZipEpoch;
                using var from = entry.Open();
                using var to = copy.Open();
                from.CopyTo(to);
            }
        return output.ToArray();
    }

    /// <summary>Reads <see cref="ToBytes"/>; throws <see cref="InvalidDataException"/> for bytes that are not a tree model.</summary>
    public static TreeModel FromBytes(byte[] bytes)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        try
        {
            using var r = new BinaryReader(new MemoryStream(bytes, writable: false), Encoding.UTF8);
            if (!r.ReadBytes(Magic.Length).AsSpan().SequenceEqual(Magic)) throw new InvalidDataException("not a tree model (bad magic bytes)");
            var version = r.ReadByte();
            if (version != FormatVersion)
                throw new InvalidDataException($"tree model format version {version} is not supported (this build reads {FormatVersion})");
            var kind = (TreeKind)r.ReadByte();
            var task = (TaskKind)r.ReadByte();
            if (!Enum.IsDefined(kind) || !Enum.IsDefined(task)) throw new InvalidDataException($"tree model kind {kind} / task {task} is unknown");
            int inputs = r.ReadInt32(), classes = r.ReadInt32(), presentCount = r.ReadInt32();
            if (inputs <= 0 || classes < 0 || presentCount < 0 || presentCount > classes)
                throw new InvalidDataException($"tree model shape is inconsistent: {inputs} inputs, {classes} classes, {presentCount} present");
            var present = new int[presentCount];
            for (int j = 0; j < presentCount; j++)
                if ((present[j] = r.ReadInt32()) is var c && (c < 0 || c >= classes))
                    throw new InvalidDataException($"tree model class index {c} is not below {classes}");
            var zipLength = r.ReadInt32();
            var zip = r.ReadBytes(zipLength);
            if (zipLength < 0 || zip.Length != zipLength) throw new InvalidDataException("tree model is truncated");
            var ml = new MLContext(0);
            var transformer = ml.Model.Load(new MemoryStream(zip, writable: false), out _);
            return new TreeModel(ml, transformer, kind, task, inputs, classes, present);
        }
        catch (Exception e) when (e is EndOfStreamException or IOException or FormatException or InvalidOperationException
                                   or ArgumentException)
        {
            throw new InvalidDataException($"tree model bytes are malformed: {e.Message}", e);
        }
    }
}
