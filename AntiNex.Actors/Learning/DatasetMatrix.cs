using AntiNex.Data;
using AntiNex.Requests;

namespace AntiNex.Learning;

/// <summary>
/// A whole training file as the network sees it: one row-major float32 matrix [file rows x width] in the file's row order,
/// plus which rows lie beyond the pipeline's clip bound. It is built chunk by chunk, and each chunk's raw feature values are
/// released from the frame once transformed, so a large file is held about once. Training, validation and test splits are
/// row indexes into it (<see cref="TensorData.Index"/>), not copies; the file's per-row predictions reuse it.
/// </summary>
internal sealed class DatasetMatrix
{
    public float[] X { get; }
    public int Rows { get; }
    public int Width { get; }
    public bool[] Beyond { get; }

    private DatasetMatrix(float[] x, int rows, int width, bool[] beyond) { X = x; Rows = rows; Width = width; Beyond = beyond; }

    /// <param name="release">free the frame's raw values of the pipeline's numeric features as their rows are done (the
    /// frame's other columns, e.g. the target, stay).</param>
    public static DatasetMatrix Build(FeaturePipeline pipeline, Frame frame, bool release, string field, CancellationToken ct)
    {
        int width = pipeline.Width, rows = frame.RowCount;
        if ((long)rows * width > Array.MaxLength)
            throw new RequestException(field, $"{rows:N0} rows x {width:N0} network inputs exceed one feature matrix " +
                $"({Array.MaxLength:N0} values); use fewer rows or features");
        // The load and the pipeline's fit leave garbage; collect it before the matrix's pages fill.
        if (release) GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        MemoryTrace.Mark("pipeline fitted");
        if (release && frame.RowMajor is { } raw && FitsInPlace(pipeline, raw, rows)) return Overwrite(pipeline, raw, ct);
        var x = new float[rows * width];
        var beyond = new bool[rows];
        var released = pipeline.Features.Where(f => !f.Categorical && frame.Numeric.ContainsKey(f.Name)).Select(f => frame.Numeric[f.Name])
            .ToList();
        int chunkRows = NumericColumn.ChunkRows;
        // Pinned while it fills, so the compacting collections below never move it.
        var pin = System.Runtime.InteropServices.GCHandle.Alloc(x, System.Runtime.InteropServices.GCHandleType.Pinned);
        try
        {
            for (int chunk = 0, start = 0; start < rows; chunk++, start += chunkRows)
            {
                ct.ThrowIfCancellationRequested();
                int len = Math.Min(chunkRows, rows - start);
                var part = new bool[len];
                pipeline.TransformInto(frame, new RowRange(start, len), x.AsSpan(start * width, len * width), part);
                Array.Copy(part, 0, beyond, start, len);
                if (!release) continue;
                foreach (var column in released) column.ReleaseChunk(chunk);
                // Released chunks are free space in the large object heap, which a normal collection keeps committed:
                // every 16 chunks (1 M rows) an aggressive one compacts and hands their pages back while the matrix's
                // pages fill, so a large file is held about once, not twice.
                if (chunk % 16 == 15) GC.Collect(2, GCCollectionMode.Aggressive, blocking: true, compacting: true);
            }
        }
        finally { pin.Free(); }
        if (release) GC.Collect(2, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        MemoryTrace.Mark("feature matrix built (a copy)");
        return new DatasetMatrix(x, rows, width, beyond);
    }

    /// <summary>The file's features already lie row-major in the network's input order, one input each: the matrix is written
    /// over them, value by value, with no second array.</summary>
    private static bool FitsInPlace(FeaturePipeline pipeline, RowMajorColumns raw, int rows)
        => raw.Rows == rows && !raw.Overwritten && raw.Width == pipeline.Width && pipeline.Features.Count == raw.Width
            && !(pipeline.Scale && pipeline.Kind == "ple")
            && pipeline.Features.Select((f, i) => !f.Categorical && !f.Dropped && f.Width == 1 && f.Name == raw.Names[i]).All(ok => ok);

    private static DatasetMatrix Overwrite(FeaturePipeline pipeline, RowMajorColumns raw, CancellationToken ct)
    {
        var beyond = new bool[raw.Rows];
        var features = pipeline.Features;
        raw.Overwrite((column, value, destination) => pipeline.WriteNumeric(features[column], value, destination), beyond, ct);
        GC.Collect(2, GCCollectionMode.Aggressive, blocking: true, compacting: true); // the freed double chunks go back
        MemoryTrace.Mark("feature matrix written in place");
        return new DatasetMatrix(raw.Values, raw.Rows, raw.Width, beyond);
    }

    /// <summary>0..n-1 from a start, as a list, without an index array.</summary>
    private sealed class RowRange(int start, int count) : IReadOnlyList<int>
    {
        public int this[int index] => start + index;
        public int Count => count;
        public IEnumerator<int> GetEnumerator() => Enumerable.Range(start, count).GetEnumerator();
        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
    }
}
