using AntiNex.Gateway.Commands;
using AntiNex.Learning;
using AntiNex.Models;

namespace AntiNex.Tests.Gateway;

/// <summary>A long `models` list is written as aligned plain columns, sorted by label, one line per model.</summary>
public sealed class PlainModelTableTests
{
    [Fact]
    public void Writes_one_aligned_line_per_model_in_label_order()
    {
        var models = new[]
        {
            new ModelDescription("web-b", true, 12, new ModelSummary { Label = "web-b", MlType = "classification" }, null, null, "n2:4054", true,
                "idle", 3),
            new ModelDescription("a", true, 1, null, null, null, "", false, "stored", 0),
        };
        var text = new StringWriter();
        PlainModelTable.Write(text, models, m => m?.Accuracy is { } a ? $"{a:F2} %" : "");
        var lines = text.ToString().Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries);

        Assert.Equal("2 models", lines[0]);
        Assert.StartsWith("label  version  type", lines[1]);
        Assert.StartsWith("a      1        ", lines[3]);
        Assert.StartsWith("web-b  12       classification", lines[4]);
        Assert.EndsWith("yes     idle", lines[4]);
        Assert.Equal(lines[1].IndexOf("node", StringComparison.Ordinal), lines[4].IndexOf("n2:4054", StringComparison.Ordinal));
    }
}
