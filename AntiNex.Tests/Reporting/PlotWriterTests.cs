using AntiNex.Learning;
using AntiNex.Reporting;
using Xunit.Abstractions;

namespace AntiNex.Tests.Reporting;

public class PlotWriterTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), $"antinex-plots-{Guid.NewGuid():N}");

    public void Dispose()
    {
        // Keep the pictures for a look when asked to (ANTINEX_KEEP_PLOTS=1), else clean up.
        if (Environment.GetEnvironmentVariable("ANTINEX_KEEP_PLOTS") != "1" && Directory.Exists(_dir))
            Directory.Delete(_dir, recursive: true);
    }

    private static TrainingReport ClassificationReport() => new()
    {
        Label = "Synthetic-Traffic-DNN",
        Accuracy = 96.4,
        History = Enumerable.Range(1, 12).Select(e =>
            new EpochHistory(e, 0.6 * Math.Exp(-e / 4.0) + 0.08, 0.80 + 0.16 * (1 - Math.Exp(-e / 3.0)),
                0.6 * Math.Exp(-e / 4.5) + 0.10, 0.79 + 0.16 * (1 - Math.Exp(-e / 3.5)))).ToList(),
        ConfusionMatrix = [[2731, 69], [75, 1125]],
        ClassNames = ["not_attack", "attack"],
    };

    private static bool IsPng(string path)
    {
        var head = new byte[8];
        using var f = File.OpenRead(path);
        return f.Read(head, 0, 8) == 8 && head.SequenceEqual(new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A });
    }

    [Fact]
    public void Writes_loss_accuracy_and_confusion_pngs_for_a_classification_report()
    {
        var paths = PlotWriter.WriteAll(ClassificationReport(), _dir);
        foreach (var p in paths) output.WriteLine(p);
        Assert.Equal(
            new[] { "synthetic-traffic-dnn-loss.png", "synthetic-traffic-dnn-accuracy.png", "synthetic-traffic-dnn-confusion.png" },
            paths.Select(Path.GetFileName).ToArray());
        Assert.All(paths, p =>
        {
            Assert.True(IsPng(p), $"{p} is not a PNG");
            Assert.True(new FileInfo(p).Length > 5_000, $"{p} is suspiciously small");
        });
    }

    [Fact]
    public void A_regression_report_gets_only_a_loss_curve_and_an_empty_history_no_curves()
    {
        var regression = new TrainingReport
        {
            Label = "stock", MlType = "regression",
            History = [new EpochHistory(1, 4.0, null, 5.0, null), new EpochHistory(2, 2.0, null, 3.0, null)],
        };
        var paths = PlotWriter.WriteAll(regression, _dir);
        Assert.Equal(new[] { "stock-loss.png" }, paths.Select(Path.GetFileName).ToArray());
        Assert.Empty(PlotWriter.WriteAll(new TrainingReport { Label = "empty" }, _dir));
    }

    [Fact]
    public void A_multi_class_confusion_matrix_is_drawn_and_a_ragged_one_is_refused()
    {
        var path = PlotWriter.WriteConfusionMatrix(
            [[50, 2, 1, 0], [3, 40, 0, 1], [0, 0, 30, 5], [1, 0, 4, 20]],
            ["normal", "dos", "probe", "r2l"], "nsl-kdd-multi", 89.9, Path.Combine(_dir, "multi.png"));
        Assert.True(IsPng(path));
        var e = Assert.Throws<ArgumentException>(() =>
            PlotWriter.WriteConfusionMatrix([[1, 2], [3]], null, "x", null, Path.Combine(_dir, "bad.png")));
        Assert.Contains("square", e.Message);
    }

    [Fact]
    public void Sixteen_classes_with_long_names_are_drawn_with_room_for_every_name()
    {
        string[] names = ["BENIGN", "DoS Hulk", "PortScan", "DDoS", "DoS GoldenEye", "FTP-Patator", "SSH-Patator",
            "DoS slowloris", "DoS Slowhttptest", "Bot", "Web Attack \u2013 Brute Force", "Web Attack \u2013 XSS", "Infiltration",
            "Web Attack \u2013 Sql Injection", "Heartbleed", "Patator-Other"];
        var matrix = names.Select((_, a) => names.Select((_, p) => a == p ? 1000 - 50 * a : (a + p) % 7 == 0 ? 3 : 0).ToArray()).ToArray();
        var path = PlotWriter.WriteConfusionMatrix(matrix, names, "flows", 99.2, Path.Combine(_dir, "sixteen.png"));
        Assert.True(IsPng(path));
        using var image = SkiaSharp.SKBitmap.Decode(path);
        // The picture grows by the room the turned column names take below the matrix.
        Assert.True(image.Height > 120 * names.Length + 200, $"{image.Width}x{image.Height}");
        output.WriteLine($"{path}: {image.Width}x{image.Height}");
    }

    /// <summary>Past 30 classes the matrix is one image of shades: the picture stays within about 3,300 pixels a side
    /// up to the largest class count a model may have, and long class names are cut, so a model's picture can never
    /// take gigabytes to draw.</summary>
    [Theory]
    [InlineData(31)]
    [InlineData(150)]
    [InlineData(1000)]
    public void Many_classes_are_drawn_as_shades_within_a_bounded_picture(int classes)
    {
        var names = Enumerable.Range(0, classes).Select(i => $"class-{i}-" + new string('x', i % 3 == 0 ? 500 : 5)).ToArray();
        // The diagonal holds most rows, and every class confuses with its neighbour, so the image is not empty.
        var matrix = names.Select((_, a) => names.Select((_, p) => a == p ? 100 + a : p == (a + 1) % classes ? 7 : 0).ToArray()).ToArray();
        var started = System.Diagnostics.Stopwatch.StartNew();
        var path = PlotWriter.WriteConfusionMatrix(matrix, names, "many", 90.0, Path.Combine(_dir, $"many-{classes}.png"));
        using var image = SkiaSharp.SKBitmap.Decode(path);
        output.WriteLine($"{classes} classes: {image.Width}x{image.Height} in {started.ElapsedMilliseconds} ms");
        Assert.InRange(image.Width, 560, 3400);
        Assert.InRange(image.Height, 560, 3600);
    }

    [Theory]
    [InlineData("../../etc/passwd", "______etc_passwd.")]
    [InlineData("  My Model  ", "my_model.")]
    [InlineData("", "model.")]
    [InlineData("a/b\\c", "a_b_c.")]
    [InlineData("Web-1_a", "web-1_a")]
    public void File_names_from_labels_never_leave_the_folder(string label, string expected)
    {
        var name = PlotWriter.SafeFileName(label);
        // A label kept as it is names its files; a changed one gets 8 hex digits of its hash after a dot, which no label
        // kept as it is can hold.
        Assert.Matches(expected.EndsWith('.') ? $"^{System.Text.RegularExpressions.Regex.Escape(expected)}[0-9a-f]{{8}}$" : $"^{expected}$", name);
        Assert.DoesNotContain('/', name);
        Assert.DoesNotContain('\\', name);
        Assert.Equal(expected.EndsWith('.') ? 1 : 0, name.Count(c => c == '.'));
    }

    [Fact]
    public void Labels_that_read_the_same_once_made_safe_get_different_file_names()
    {
        Assert.NotEqual(PlotWriter.SafeFileName("a/b c"), PlotWriter.SafeFileName("a_b_c"));
        Assert.NotEqual(PlotWriter.SafeFileName("a b_c"), PlotWriter.SafeFileName("a_b c"));
        Assert.NotEqual(PlotWriter.SafeFileName(new string('x', 101)), PlotWriter.SafeFileName(new string('x', 102)));
        Assert.Equal(PlotWriter.SafeFileName("Web 1"), PlotWriter.SafeFileName("web 1")); // one model, one set of files
        // A label written as another label's changed name cannot take its files.
        var changed = PlotWriter.SafeFileName("a/b c");
        Assert.NotEqual(changed, PlotWriter.SafeFileName(changed.Replace('.', '-')));
        Assert.NotEqual(changed, PlotWriter.SafeFileName(changed));
    }

    [Fact]
    public void A_retrain_removes_the_pictures_its_model_no_longer_draws()
    {
        Directory.CreateDirectory(_dir);
        foreach (var suffix in PlotWriter.Suffixes) File.WriteAllText(Path.Combine(_dir, "web" + suffix), "old");
        var kept = Path.Combine(_dir, "web-loss.png");
        PlotWriter.RemoveStale(_dir, "Web", [kept]);
        Assert.Equal(["web-loss.png"], Directory.GetFiles(_dir, "web-*").Select(Path.GetFileName));
        File.WriteAllText(Path.Combine(_dir, "webby-roc.png"), "another label's");
        PlotWriter.RemoveStale(_dir, "web", []);
        Assert.Equal(["webby-roc.png"], Directory.GetFiles(_dir, "web*").Select(Path.GetFileName));
    }
}
