// Rows as one row-major float32 matrix: what raw-row predicts carry between members. Helpers to build one from
// per-row arrays and to read it back as rows without allocating per row.
using System.Collections;

namespace AntiNex.Models;

public static class RowBlock
{
    /// <summary>Columns of the first row; -1 when the rows are ragged (the entity refuses that, naming the row).</summary>
    public static int Width(double[][] rows)
    {
        if (rows.Length == 0) return 0;
        var width = rows[0]?.Length ?? 0;
        foreach (var row in rows) if ((row?.Length ?? -1) != width) return -1;
        return width;
    }

    /// <summary>The rows packed as float32; empty when ragged (see <see cref="Width"/>).</summary>
    public static float[] Flatten(double[][] rows)
    {
        var width = Width(rows);
        if (width <= 0) return [];
        var values = new float[rows.Length * width];
        for (int i = 0; i < rows.Length; i++)
            for (int j = 0; j < width; j++) values[i * width + j] = (float)rows[i][j];
        return values;
    }
}

/// <summary>A row-major float32 matrix seen as rows of doubles for the engine's row API. One row buffer is reused:
/// each row is valid until the next one is read (the engine reads rows one after another), so no row is allocated.</summary>
public sealed class FloatRowView(float[] values, int offset, int rows, int columns) : IReadOnlyList<double[]>
{
    private readonly double[] _row = new double[columns];

    public int Count => rows;

    public double[] this[int index]
    {
        get
        {
            if ((uint)index >= (uint)rows) throw new ArgumentOutOfRangeException(nameof(index));
            var start = offset + index * columns;
            for (int j = 0; j < columns; j++) _row[j] = values[start + j];
            return _row;
        }
    }

    public IEnumerator<double[]> GetEnumerator()
    {
        for (int i = 0; i < rows; i++) yield return this[i];
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
