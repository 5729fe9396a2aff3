using System.Collections;

namespace AntiNex.Learning;

/// <summary>A row-major float64 matrix seen as rows for the engine's row API, like <see cref="FloatRowView"/>: one row buffer
/// is reused, each row valid until the next one is read, so no row is allocated.</summary>
public sealed class DoubleRowView(double[] values, int offset, int rows, int columns) : IReadOnlyList<double[]>
{
    private readonly double[] _row = new double[columns];

    public int Count => rows;

    public double[] this[int index]
    {
        get
        {
            if ((uint)index >= (uint)rows) throw new ArgumentOutOfRangeException(nameof(index));
            values.AsSpan(offset + index * columns, columns).CopyTo(_row);
            return _row;
        }
    }

    public IEnumerator<double[]> GetEnumerator()
    {
        for (int i = 0; i < rows; i++) yield return this[i];
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
