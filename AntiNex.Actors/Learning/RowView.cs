using System.Collections;
using System.Numerics;

namespace AntiNex.Learning;

/// <summary>A row-major matrix (float32 row blocks, float64 inference tensors) seen as rows of doubles for the engine's
/// row API. One row buffer is reused: each row is valid until the next one is read (the engine reads rows one after
/// another), so no row is allocated.</summary>
public sealed class RowView<T>(T[] values, int offset, int rows, int columns) : IReadOnlyList<double[]>
    where T : INumberBase<T>
{
    private readonly double[] _row = new double[columns];

    public int Count => rows;

    public double[] this[int index]
    {
        get
        {
            if ((uint)index >= (uint)rows) throw new ArgumentOutOfRangeException(nameof(index));
            var start = offset + index * columns;
            for (int j = 0; j < columns; j++) _row[j] = double.CreateChecked(values[start + j]);
            return _row;
        }
    }

    public IEnumerator<double[]> GetEnumerator()
    {
        for (int i = 0; i < rows; i++) yield return this[i];
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
