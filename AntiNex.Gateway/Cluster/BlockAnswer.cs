// The answer to one block of rows (a float32 block or a predict request of rows), read as one value per row.
using AntiNex.Learning;
using AntiNex.Models;

namespace AntiNex.Gateway.Cluster;

internal static class BlockAnswer
{
    /// <summary>One predicted value per row of a block of <paramref name="rows"/>, in row order, and the version that
    /// answered; null for a failure or an answer that does not cover the block.</summary>
    public static (float[] Values, long Version)? Values(object reply, int rows)
    {
        switch (reply)
        {
            case RowsPredicted r when r.Values.Length == rows: return (r.Values, r.Version);
            case Predicted p when p.SamplesOmitted == 0 && p.Result.Samples.Count == rows:
                var values = new float[rows];
                foreach (var sample in p.Result.Samples) values[sample.Row] = (float)sample.Predicted;
                return (values, p.Version);
            default: return null;
        }
    }

    /// <summary>Adds the values a block's rows hold that its model never held to <paramref name="unseen"/>: the predict's rows
    /// warn of them once, whatever the blocks.</summary>
    public static void Tally(object reply, UnseenTally unseen)
    {
        if (reply is Predicted { Unseen: { } counts }) unseen.Add(counts);
    }

    /// <summary>The failure of an answer that covers only part of a block.</summary>
    public static ModelFailed Short(string id, object reply, int rows)
    {
        var got = reply is RowsPredicted r ? r.Values.Length : ((Predicted)reply).Result.Samples.Count;
        return ModelFailed.Of(id, "internal", $"the model answered {got} of a block's {rows} rows");
    }
}
