using System.Globalization;
using System.Text.Json.Nodes;
using AntiNex.Learning;
using AntiNex.Reporting;

namespace AntiNex.Baselines;

/// <summary>One model, one seed, one test file. Binary: precision/recall/F1 of the positive class (index 1, e.g. attack);
/// multi-class: macro averages. Accuracy in %.</summary>
internal sealed record RunResult(string Model, int Seed, string Test, int Rows, double Accuracy, double Precision, double Recall,
    double F1, double? Auc, double FitSeconds, IReadOnlyList<ClassMetrics> PerClass, int[][] Confusion)
{
    public int? EpochsRun { get; init; }
    public double? Threshold { get; init; }
    /// <summary>model_kind auto: the candidate the engine chose on its training rows.</summary>
    public string? Chosen { get; init; }

    public static RunResult Of(string model, int seed, FeatureMatrices m, int test, int[] predicted, double[]? score, double seconds)
    {
        var t = m.Tests[test];
        int k = m.ClassNames.Count;
        if (predicted.Any(p => p < 0 || p >= k))
            throw new InvalidOperationException($"{model} predicted a class index outside 0..{k - 1} on {t.Name}");
        var c = Metrics.Classify(t.Classes, predicted, k, score);
        // As the engine's report: rows of a class the training data lacks are left out (Metrics.Classify).
        return new RunResult(model, seed, t.Name, t.Rows, c.Accuracy, c.Precision, c.Recall, c.F1, c.RocAuc, seconds,
            Metrics.PerClass(c.Confusion, m.ClassNames), c.Confusion);
    }
}

/// <summary>Tables (one per test file: each model's seeds, then mean and min over seeds) and the --json document.</summary>
internal sealed class BenchReport(Options options, FeatureMatrices m, IReadOnlyDictionary<int, int> widths, IReadOnlyList<RunResult> results)
{
    private bool Binary => m.Task == TaskKind.Binary;
    private IEnumerable<string> Models => results.Select(r => r.Model).Distinct();

    public void Print(TextWriter w)
    {
        var kind = Binary
            ? $"binary, positive class = {m.ClassNames[1]}"
            : $"{m.ClassNames.Count} classes ({string.Join(", ", m.ClassNames)}), macro averages";
        w.WriteLine($"request {Path.GetFileName(options.File)}: {kind}");
        var columns = widths.Values.Distinct().Count() == 1 ? $"{m.Width} columns"
            : $"{string.Join("/", widths.Values)} columns (seed {string.Join("/", widths.Keys)}: constant columns of each seed's fitting rows " +
                $"dropped)";
        w.WriteLine($"identical features for every model: {columns} after one-hot and the request's scaler, fitted on {m.FitRows} training rows;");
        w.WriteLine($"the network fits {m.FitRows} rows and watches {m.ValidationRows} validation rows; the trees fit all {m.Train.Rows} training " +
            $"rows, in the engine's order (as a fast_tree / light_gbm request fits them).");
        w.WriteLine($"seeds {string.Join(", ", options.Seeds)}; torch threads {options.Threads}, tree threads {options.TreeThreads}; fit s = " +
            $"training wall time (network: the engine's fit, validation passes included; trees: ML.NET Fit).");
        foreach (var test in results.Select(r => r.Test).Distinct())
        {
            var rows = results.Where(r => r.Test == test).ToList();
            w.WriteLine();
            w.WriteLine($"== {test} ({rows[0].Rows:N0} rows) ==");
            var header = Binary
                ? new[] { "model", "seed", "accuracy %", "precision", "recall", "F1", "ROC AUC", "fit s" }
                : ["model", "seed", "accuracy %", "macro-P", "macro-R", "macro-F1", "", "fit s"];
            var table = new List<string[]> { header };
            foreach (var model in Models)
            {
                var mine = rows.Where(r => r.Model == model).ToList();
                table.AddRange(mine.Select(r => Cells(r.Model, r.Seed.ToString(CultureInfo.InvariantCulture), r.Accuracy, r.Precision, r.Recall,
                    r.F1, r.Auc, r.FitSeconds)));
                if (mine.Count > 1)
                {
                    table.Add(Cells(model, "mean", mine.Average(r => r.Accuracy), mine.Average(r => r.Precision), mine.Average(r => r.Recall),
                        mine.Average(r => r.F1), mine.All(r => r.Auc is not null) ? mine.Average(r => r.Auc!.Value) : null,
                            mine.Average(r => r.FitSeconds)));
                    table.Add(Cells(model, "min", mine.Min(r => r.Accuracy), mine.Min(r => r.Precision), mine.Min(r => r.Recall),
                        mine.Min(r => r.F1), mine.All(r => r.Auc is not null) ? mine.Min(r => r.Auc!.Value) : null, mine.Min(r => r.FitSeconds)));
                }
            }
            WriteAligned(w, table);
            if (!Binary)
            {
                w.WriteLine("per-class F1 (mean over seeds):");
                var perClass = new List<string[]> { new[] { "model" }.Concat(m.ClassNames).ToArray() };
                foreach (var model in Models)
                {
                    var mine = rows.Where(r => r.Model == model).ToList();
                    perClass.Add([model, .. m.ClassNames.Select((_, c) => F(mine.Average(r => r.PerClass[c].F1)))]);
                }
                WriteAligned(w, perClass);
            }
        }
    }

    private static string F(double v, string format = "0.0000") => v.ToString(format, CultureInfo.InvariantCulture);

    private static string[] Cells(string model, string seed, double acc, double p, double r, double f1, double? auc, double seconds)
        => [model, seed, F(acc, "0.00"), F(p), F(r), F(f1), auc is { } a ? F(a) : "", F(seconds, "0.0")];

    private static void WriteAligned(TextWriter w, List<string[]> table)
    {
        var widths = Enumerable.Range(0, table[0].Length).Select(c => table.Max(row => row[c].Length)).ToArray();
        foreach (var row in table)
            w.WriteLine(string.Join("  ", row.Select((cell, c) => c == 0 ? cell.PadRight(widths[c]) : cell.PadLeft(widths[c]))).TrimEnd());
    }

    public JsonObject ToJson()
    {
        static JsonObject Metric(IEnumerable<RunResult> rs, Func<IEnumerable<double>, double> agg) => new()
        {
            ["accuracy"] = agg(rs.Select(r => r.Accuracy)), ["precision"] = agg(rs.Select(r => r.Precision)),
            ["recall"] = agg(rs.Select(r => r.Recall)), ["f1"] = agg(rs.Select(r => r.F1)),
            ["roc_auc"] = rs.All(r => r.Auc is not null) ? agg(rs.Select(r => r.Auc!.Value)) : null,
        };
        var runs = new JsonArray();
        foreach (var r in results)
        {
            var o = new JsonObject
            {
                ["model"] = r.Model, ["seed"] = r.Seed, ["test"] = r.Test, ["rows"] = r.Rows, ["accuracy"] = r.Accuracy,
                ["precision"] = r.Precision, ["recall"] = r.Recall, ["f1"] = r.F1, ["roc_auc"] = r.Auc, ["fit_seconds"] = r.FitSeconds,
                ["epochs_run"] = r.EpochsRun, ["threshold"] = r.Threshold, ["chosen"] = r.Chosen,
                ["confusion_matrix"] = new JsonArray(r.Confusion.Select(
                    row => (JsonNode)new JsonArray(row.Select(v => (JsonNode)JsonValue.Create(v)).ToArray())).ToArray()),
            };
            if (!Binary)
                o["per_class"] = new JsonArray(r.PerClass.Select(c => (JsonNode)new JsonObject
                {
                    ["class"] = c.Class, ["precision"] = c.Precision, ["recall"] = c.Recall, ["f1"] = c.F1, ["support"] = c.Support,
                }).ToArray());
            runs.Add(o);
        }
        var summary = new JsonArray();
        foreach (var g in results.GroupBy(r => (r.Test, r.Model)))
            summary.Add(new JsonObject
            {
                ["test"] = g.Key.Test, ["model"] = g.Key.Model, ["seeds"] = g.Count(),
                ["mean"] = Metric(g, v => v.Average()), ["min"] = Metric(g, v => v.Min()),
            });
        return new JsonObject
        {
            ["request"] = options.File, ["task"] = Binary ? "binary" : "multiclass",
            ["averaging"] = Binary ? $"positive class {m.ClassNames[1]}" : "macro",
            ["classes"] = new JsonArray(m.ClassNames.Select(c => (JsonNode)JsonValue.Create(c)!).ToArray()),
            ["seeds"] = new JsonArray(options.Seeds.Select(s => (JsonNode)JsonValue.Create(s)).ToArray()),
            ["features"] = new JsonObject(widths.Select(kv => KeyValuePair.Create(kv.Key.ToString(CultureInfo.InvariantCulture),
                (JsonNode?)JsonValue.Create(kv.Value)))),
            ["feature_names_last_seed"] = new JsonArray(m.FeatureNames.Select(n => (JsonNode)JsonValue.Create(n)!).ToArray()),
            ["train_rows"] = m.Train.Rows, ["fit_rows"] = m.FitRows, ["validation_rows"] = m.ValidationRows,
            ["runs"] = runs, ["summary"] = summary,
        };
    }
}
