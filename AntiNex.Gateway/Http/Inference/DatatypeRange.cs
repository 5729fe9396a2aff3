using System.Globalization;

namespace AntiNex.Gateway.Http.Inference;

/// <summary>What a numeric tensor's datatype holds: an INT*/UINT* value is a whole number within its type's range, an FP16
/// or FP32 value rounds to a finite value of its type. JSON carries any number whatever the declared type; a value the
/// type cannot hold is a client's mistake (a wrong datatype, or the wrong column), refused rather than fed to the model.</summary>
internal static class DatatypeRange
{
    /// <summary>The first value the type cannot hold and why; null when all fit. Values are float64 here (the JSON numbers
    /// read), so at the 64-bit bounds the check is float64's: 2^63 - 1 and 2^63 read as the same value.</summary>
    public static (int Index, string Problem)? FirstMisfit(string datatype, ReadOnlySpan<double> values)
    {
        switch (datatype)
        {
            case "FP64":
                return null; // every finite number (the reader refuses the rest)
            case "FP32":
                for (var i = 0; i < values.Length; i++)
                    if (!float.IsFinite((float)values[i])) return (i, $"{Text(values[i])} is beyond FP32's range (±3.4E+38)");
                return null;
            case "FP16":
                for (var i = 0; i < values.Length; i++)
                    if (!Half.IsFinite((Half)values[i])) return (i, $"{Text(values[i])} is beyond FP16's range (±65,504)");
                return null;
        }
        if (IntegerRange(datatype) is not (var min, var max, var range)) return null;
        for (var i = 0; i < values.Length; i++)
        {
            var v = values[i];
            if (Math.Floor(v) != v) return (i, $"{Text(v)} is not a whole number, as {datatype} values are");
            if (v < min || v > max) return (i, $"{Text(v)} is out of {datatype}'s range ({range})");
        }
        return null;
    }

    private static (double Min, double Max, string Range)? IntegerRange(string datatype) => datatype switch
    {
        "INT8" => (sbyte.MinValue, sbyte.MaxValue, "-128 to 127"),
        "INT16" => (short.MinValue, short.MaxValue, "-32,768 to 32,767"),
        "INT32" => (int.MinValue, int.MaxValue, "-2,147,483,648 to 2,147,483,647"),
        "INT64" => (long.MinValue, long.MaxValue, "-2^63 to 2^63 - 1"),
        "UINT8" => (0, byte.MaxValue, "0 to 255"),
        "UINT16" => (0, ushort.MaxValue, "0 to 65,535"),
        "UINT32" => (0, uint.MaxValue, "0 to 4,294,967,295"),
        "UINT64" => (0, ulong.MaxValue, "0 to 2^64 - 1"),
        _ => null,
    };

    private static string Text(double v) => v.ToString(CultureInfo.InvariantCulture);
}
