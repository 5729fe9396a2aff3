// How cluster replies are shown: Spectre.Console tables on stdout, or JSON (--json) for scripts; errors and
// progress go to stderr so that stdout stays machine-readable.
using System.Text.Json;
using System.Text.Json.Serialization;
using AntiNex.Gateway.Cluster;
using AntiNex.Learning;
using AntiNex.Models;
using AntiNex.Requests;
using Spectre.Console;

namespace AntiNex.Gateway.Commands;

internal sealed class Output(bool json)
{
    public static readonly JsonSerializerOptions JsonOptions = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        WriteIndented = true,
        TypeInfoResolver = new System.Text.Json.Serialization.Metadata.DefaultJsonTypeInfoResolver
        { Modifiers = { Http.HttpJson.OmitEmptyInputFeatures } },
    };

    private static readonly IAnsiConsole Err = ConsoleWidth.Stderr();

    public bool Json => json;

    public void Error(string code, string message)
    {
        if (json) Console.WriteLine(JsonSerializer.Serialize(new { error = code, message }, JsonOptions));
        else Err.MarkupLineInterpolated($"[red]error ({ConsoleText.Plain(code)}):[/] {ConsoleText.Plain(message)}");
    }

    /// <summary>Hears each <see cref="Warning"/> too (a test reads what a command warned of).</summary>
    public Action<string>? Warned { get; init; }

    /// <summary>A warning on stderr, so that stdout stays machine-readable.</summary>
    public void Warning(string message)
    {
        Err.MarkupLineInterpolated($"[yellow]warning:[/] {ConsoleText.Plain(message)}");
        Warned?.Invoke(message);
    }

    /// <summary>Prints a final reply; returns the exit code it stands for.</summary>
    public int Reply(object reply)
    {
        if (json)
        {
            Console.WriteLine(JsonSerializer.Serialize(reply, reply.GetType(), JsonOptions));
            return reply is ModelFailed jf ? ExitOf(jf) : ExitCodes.Ok;
        }
        switch (reply)
        {
            case ModelFailed f: Failed(f); return ExitOf(f);
            // No table for a label with nothing trained: its "version 0" and "reloads from its snapshot" rows read as a model.
            case ModelDescription { Trained: false } d: Failed(NotTrained(d)); return ExitCodes.ModelFailed;
            case ModelTrainedReply t: Trained(t); break;
            case Predicted p: Predictions(p); break;
            case ModelDescription d: Describe(d); break;
            case ModelForgotten f:
                AnsiConsole.MarkupLineInterpolated(
                $"{ConsoleText.Plain(f.Label)}: {(f.Existed ? "forgotten (events and snapshots deleted)" : "no such model")}"); break;
            case ModelList l: Models(l); break;
            case ClusterStatus s: Status(s); break;
            default: AnsiConsole.WriteLine(ConsoleText.Plain(reply.ToString())); break;
        }
        return ExitCodes.Ok;
    }

    /// <summary>A request that ran out of time is a timeout (3) whoever noticed first: the gateway's own timer, or the node,
    /// which cancels a training at its deadline and answers "cancelled" just before the gateway's timer would fire.</summary>
    private static int ExitOf(ModelFailed f) => f.Code == "timeout" || f.IsDeadlineCancel() ? ExitCodes.Timeout : ExitCodes.ModelFailed;

    private static void Failed(ModelFailed f)
    {
        Err.MarkupLineInterpolated($"[red]{ConsoleText.Plain(f.Label)}: {ConsoleText.Plain(f.Code)}[/]: {ConsoleText.Plain(f.Message)}");
        foreach (var issue in f.Issues) Err.MarkupLineInterpolated(
            $"  [yellow]{ConsoleText.Plain(issue.Field)}[/]: {ConsoleText.Plain(issue.Message)}");
    }

    private static void Trained(ModelTrainedReply t)
    {
        var r = t.Report;
        var table = new Table().Title(ConsoleText.Cell($"{t.Label} version {t.Version} on {t.Node}")).AddColumns("metric", "value");
        void Row(string name, double? v, string fmt = "F4") { if (v is not null) table.AddRow(name, v.Value.ToString(fmt)); }
        // A classification's precision, recall and F1 are absent only when undefined (no attack row, no attack predicted): "-".
        void Defined(string name, double? v) { if (v is null) table.AddRow(name, "-"); else Row(name, v); }
        table.AddRow("ml_type", ConsoleText.Cell(r.MlType));
        Row("test accuracy %", r.Accuracy, "F2");
        if (r.MlType != MlTypes.Regression) { Defined("precision", r.Precision); Defined("recall", r.Recall); Defined("f1", r.F1); }
        Row("roc auc", r.RocAuc);
        Row("mse", r.Mse); Row("mae", r.Mae); Row("r2", r.R2);
        if (r.CvMean is not null) table.AddRow("cross-validation", $"{r.CvMean:F4} ± {r.CvStd:F4} ({r.Cv.Count} folds)");
        table.AddRow("train / test rows", $"{r.TrainRows} / {r.TestRows}");
        ReportTables.AddTrainingRows(table, r);
        table.AddRow("train time", $"{r.TrainSeconds:F1} s ({r.RowsPerSecond:F0} rows/s)");
        AnsiConsole.Write(table);
        foreach (var quality in ReportTables.QualityTables(r)) AnsiConsole.Write(quality);
        if (r.Cv.Count > 0) AnsiConsole.Write(ReportTables.CrossValidation(r));
        NoveltyTable.Write(AnsiConsole.Console, r);
        if (ReportTables.ConfusionMatrix(r, AnsiConsole.Profile.Width) is { } matrix) AnsiConsole.Write(matrix);
        if (ReportTables.ModelSelection(r) is { } selection) AnsiConsole.Write(selection);
        foreach (var w in t.Warnings.Concat(r.Warnings)) Err.MarkupLineInterpolated($"[yellow]warning:[/] {ConsoleText.Plain(w)}");
        if (t.Predictions is { } p) AnsiConsole.WriteLine(ConsoleText.Plain(p.Summary));
    }

    private static void Predictions(Predicted p)
    {
        var table = new Table().Title(ConsoleText.Cell($"{p.Label} version {p.Version} on {p.Node}{(p.TrainedFirst ? " (trained first)" : "")}"))
            .AddColumns("row", "original", "predicted", "label", "probability");
        foreach (var s in p.Result.Samples.Take(25))
            table.AddRow(s.Row.ToString(), s.Original?.ToString("G6") ?? "", s.Predicted.ToString("G6"), ConsoleText.Cell(s.LabelName),
                s.Unscorable ? "unscorable (alarm)" : s.Probability?.ToString("F3") ?? "");
        AnsiConsole.Write(table);
        var more = Math.Max(0, p.Result.Samples.Count - 25) + p.SamplesOmitted; // fewer than 25 shown is not a negative count
        if (more > 0) AnsiConsole.MarkupLineInterpolated($"[grey]... {more} more rows (use --json for all returned rows)[/]");
        AnsiConsole.WriteLine(ConsoleText.Plain(p.Result.Summary));
        foreach (var w in p.Result.Warnings ?? []) Err.MarkupLineInterpolated($"[yellow]warning:[/] {ConsoleText.Plain(w)}");
    }

    /// <summary>Said as the HTTP API says it (404), or that the label's first version is still training.</summary>
    private static ModelFailed NotTrained(ModelDescription d) => d.State == "idle"
        ? ModelFailed.Of(d.Label, "not-found", $"model '{d.Label}' not found: it was never trained (or was forgotten)")
        : ModelFailed.Of(d.Label, "not-trained", $"model '{d.Label}' has no trained version yet (state: {d.State})");

    private static void Describe(ModelDescription d)
    {
        var table = new Table().Title(ConsoleText.Cell(d.Label)).AddColumns("field", "value");
        table.AddRow("trained", d.Trained ? "yes" : "no");
        table.AddRow("version", d.Version.ToString());
        table.AddRow("node", ConsoleText.Cell(d.Node));
        table.AddRow("state", ConsoleText.Cell(d.State));
        table.AddRow("loaded", d.Loaded ? "yes" : "no (reloads from its snapshot on use)");
        if (d.TrainedUtc is { } at) table.AddRow("trained at", at.ToString("u"));
        if (d.Summary is { } s)
        {
            table.AddRow("ml_type", ConsoleText.Cell(s.MlType));
            table.AddRow("model kind", ConsoleText.Cell(s.ModelKind));
            table.AddRow("predict feature", ConsoleText.Cell(s.PredictFeature));
            table.AddRow($"input features ({s.InputFeatures.Count})", ConsoleText.Cell(string.Join(", ", s.InputFeatures)));
            table.AddRow("network inputs", s.NetworkInputs.ToString());
            // The rules a predict that leaves them out reads its rows with: they decide how a file's cells read.
            table.AddRow("mark_empty", $"{s.MarkEmpty.ToString("R", System.Globalization.CultureInfo.InvariantCulture)} (empty cells read as this)");
            table.AddRow("non_finite", ConsoleText.Cell(s.NonFinite) + (s.NonFinite == "empty" ? " (NaN/Infinity cells read as empty cells)"
                : s.NonFinite == "error" ? " (NaN/Infinity cells are refused)" : ""));
            table.AddRow("artifact", $"{s.ArtifactBytes:N0} bytes");
        }
        if (d.Metrics is { } m)
        {
            if (m.Accuracy is not null) table.AddRow("test accuracy %", m.Accuracy.Value.ToString("F2"));
            if (m.R2 is not null) table.AddRow("r2", m.R2.Value.ToString("F4"));
            if (m.CvMean is not null) table.AddRow("cross-validation", $"{m.CvMean:F4} ± {m.CvStd:F4}");
            table.AddRow("train / test rows", $"{m.TrainRows} / {m.TestRows}");
        }
        table.AddRow("rows predicted (since loaded)", d.PredictionsServed.ToString());
        AnsiConsole.Write(table);
    }

    private static void Models(ModelList l)
    {
        if (l.Models.Count > PlainModelTable.Above)
        {
            using var stdout = new StreamWriter(Console.OpenStandardOutput(), bufferSize: 1 << 16) { AutoFlush = false };
            PlainModelTable.Write(stdout, l.Models, Score);
            foreach (var id in l.Unreachable) Err.MarkupLineInterpolated($"[yellow]{ConsoleText.Plain(id)}: did not answer[/]");
            return;
        }
        var table = new Table().Title($"{l.Models.Count} models").AddColumns("label", "version", "type", "test accuracy / r2", "node", "loaded",
            "state");
        foreach (var d in l.Models.OrderBy(d => d.Label, StringComparer.Ordinal))
            table.AddRow(ConsoleText.Cell(d.Label), d.Version.ToString(), ConsoleText.Cell(d.Summary?.MlType), Score(d.Metrics),
                ConsoleText.Cell(d.Node),
                d.Loaded ? "yes" : "no", ConsoleText.Cell(d.State));
        AnsiConsole.Write(table);
        foreach (var id in l.Unreachable) Err.MarkupLineInterpolated($"[yellow]{ConsoleText.Plain(id)}: did not answer[/]");
    }

    private static string Score(ModelMetrics? m) => m?.Accuracy is { } a ? $"{a:F2} %" : m?.R2 is { } r2 ? $"r2 {r2:F4}" : "";

    private static void Status(ClusterStatus s)
    {
        var table = new Table().Title(ConsoleText.Cell($"cluster (seen from {s.Self})"))
            .AddColumns("member", "roles", "status", "reachable", "shards", "entities");
        foreach (var m in s.Members)
            table.AddRow(ConsoleText.Cell(m.Address + (m.Leader ? " (leader)" : "")), ConsoleText.Cell(string.Join(",", m.Roles)),
                ConsoleText.Cell(m.Status), m.Unreachable ? "[red]no[/]" : "yes",
                m.Shards.ToString(), m.Entities.ToString());
        AnsiConsole.Write(table);
        if (s.ShardStatsError is not null) Err.MarkupLineInterpolated(
            $"[yellow]shard statistics unavailable: {ConsoleText.Plain(s.ShardStatsError)}[/]");
    }

    /// <summary>Live training progress on stderr: one line per tick (plain, so it also reads well in logs).</summary>
    private long _lastRowsProgress = long.MinValue / 2;

    public void Progress(object p)
    {
        switch (p)
        {
            case TrainingQueued q:
                Err.MarkupLineInterpolated(
                    $"[grey]{ConsoleText.Plain(q.Label)}: {(q.Position == 0 ? "starting" : $"queued at position {q.Position}")}[/]");
                break;
            case TrainingStarted s:
                Err.MarkupLineInterpolated($"[grey]{ConsoleText.Plain(s.Label)}: training on {ConsoleText.Plain(s.Node)}[/]");
                break;
            case TrainingProgressed { Progress: var t } tp:
                Err.WriteLine(ConsoleText.Plain(FormatProgress(tp.Label, t)));
                break;
            case Cluster.RowsProgressed r when Environment.TickCount64 - _lastRowsProgress >= 1000:
                _lastRowsProgress = Environment.TickCount64; // at most once a second
                Err.MarkupLineInterpolated($"[grey]{ConsoleText.Plain(r.Label)}: {r.Rows:N0} rows predicted[/]");
                break;
        }
    }

    public static string FormatProgress(string label, TrainingProgress t)
    {
        var fold = t.Folds > 0 ? $" fold {t.Fold}/{t.Folds}" : "";
        var epoch = t.Epochs > 0 ? $" epoch {t.Epoch}/{t.Epochs}" : "";
        var acc = t.Accuracy is { } a ? $" acc {a:F3}" : "";
        var val = t.ValLoss is { } vl ? $" val_loss {vl:F4}" : "";
        var vacc = t.ValAccuracy is { } va ? $" val_acc {va:F3}" : "";
        var msg = t.Message is null ? "" : $" {t.Message}";
        // A step that is not an epoch (loading, selection, evaluation) has no loss to show.
        var loss = t.Epochs > 0 ? $" loss {t.Loss:F4}" : "";
        return $"{label}: {t.Phase}{fold}{epoch}{loss}{acc}{val}{vacc}{msg}";
    }
}
