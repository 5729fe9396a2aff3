// Rows as one row-major float32 matrix: what raw-row predicts carry between members. A helper to build one from
// per-row arrays (the engine reads it back with TrainedModel.PredictRows).

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
