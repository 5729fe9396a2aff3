using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using AntiNex.Data;
using AntiNex.Learning;
using AntiNex.Reporting;
using AntiNex.Requests;
using Spectre.Console;

namespace AntiNex.Gateway.Commands;

/// <summary>
/// `train -f REQUEST.json`: trains the request's label on the cluster (<see cref="ClusterTrain"/>), or with --local in
/// this process with the learning engine, printing the report. With --json, stdout carries exactly one JSON document;
/// progress goes to stderr. --seed N overrides the request's seed in both modes.
/// </summary>
internal static class TrainCommand
{
    public static Command Create()
    {
        var file = EngineCli.RequestFile();
        var roots = EngineCli.DataRoots();
        var local = new Option<bool>("--local") { Description = "Train in this process (no cluster)" };
        var json = new Option<bool>("--json") { Description = "Print one JSON document on stdout (progress on stderr)" };
        var threads = new Option<int>(
            "--threads")
        {
            Description =
            "torch threads (default 1: small dense networks train fastest single-threaded, and cores stay free for other models; 0: torch's " +
            "default)", DefaultValueFactory = _ => 1
        };
        var save = new Option<FileInfo?>("--save-model") { Description = "Write the model artifact bytes to this file" };
        var seed = new Option<int?>("--seed") { Description = "Override the request's random seed" };
        var plots = new Option<DirectoryInfo?>("--plots") { Description = "Write the training curves (PNG) into this folder" };
        var alsoTest = new Option<string[]>("--also-test")
        {
            Description =
            "Also evaluate the trained model on this dataset (path under the data roots; repeatable), e.g. nsl-kdd/KDDTest-21.txt"
        };
        var command = new Command("train", "Train a model for an AntiNex request.");
        foreach (var o in new Option[] { file, roots, local, json, threads, save, seed, alsoTest, plots }) command.Options.Add(o);
        var cluster = ClusterTrain.Attach(command, file, json, seed); // without --local: train on the cluster
        command.SetAction((parse, ct) =>
        {
            if (!parse.GetValue(local))
            {
                // The in-process engine's options mean nothing to a cluster training: refused rather than silently dropped.
                var localOnly = ClusterCommandOptions.Given(parse, roots, threads, save, alsoTest, plots);
                if (localOnly.Count == 0) return cluster(parse, ct);
                new Output(parse.GetValue(json)).Error("usage", $"{string.Join(", ", localOnly)}: only with --local (a cluster training " +
                    "reads its data on the node and keeps its model there)");
                return Task.FromResult(ExitCodes.BadInput);
            }
            return Task.FromResult(RunLocal(parse.GetValue(file)!, EngineCli.ResolveRoots(parse.GetValue(roots)), parse.GetValue(json),
                parse.GetValue(threads), parse.GetValue(save), ct, parse.GetValue(seed), parse.GetValue(alsoTest) ?? [],
                    parse.GetValue(plots)?.FullName));
        });
        return command;
    }

    public static int RunLocal(FileInfo file, DataRoots roots, bool asJson, int threads, FileInfo? saveModel, CancellationToken ct,
        int? seed = null, string[]? alsoTest = null, string? plotDirectory = null)
    {
        // With --json, everything human-readable goes to stderr so stdout stays one JSON document.
        var ui = asJson ? ConsoleWidth.Stderr() : AnsiConsole.Console;
        AntiNexRequest request;
        IReadOnlyList<string> warnings;
        try
        {
            request = AntiNexRequest.Parse(File.ReadAllText(file.FullName), out warnings);
            if (seed is { } sd) request.Seed = sd;
            var issues = request.CheckPaths(roots, requireFiles: true);
            if (issues.Count > 0) throw new RequestException(issues);
        }
        catch (RequestException e) { return Fail(ui, file, e); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            ui.MarkupLineInterpolated(
            $"[red]cannot read {ConsoleText.Plain(file.FullName)}: {ConsoleText.Plain(e.Message)}[/]"); return ExitCodes.BadInput;
        }

        foreach (var w in warnings) ui.MarkupLineInterpolated($"[yellow]warning:[/] {ConsoleText.Plain(w)}");
        TrainingOutcome outcome;
        try
        {
            outcome = WithProgress(ui, request, roots, new EngineOptions { TorchThreads = threads, PlotDirectory = plotDirectory }, ct);
        }
        catch (RequestException e) { return Fail(ui, file, e); }
        catch (OperationCanceledException) { ui.MarkupLine("[yellow]cancelled[/]"); return ExitCodes.Cancelled; }

        if (saveModel is not null)
            try { PredictionFile.WriteAsync(saveModel.FullName, outcome.Artifact, "--save-model").GetAwaiter().GetResult(); }
            catch (UsageException e)
            {
                ui.MarkupLineInterpolated($"[red]the model was trained but not saved: {ConsoleText.Plain(e.Message)}[/]");
                return ExitCodes.BadInput;
            }
        var extra = new JsonArray();
        try
        {
            if (alsoTest is { Length: > 0 })
            {
                using var model = TrainedModel.Load(outcome.Artifact);
                foreach (var path in alsoTest)
                {
                    // Same request (columns, target rules), another dataset: the model's own features and scaler.
                    var other = AntiNexRequest.Parse(request.RawJson, out _);
                    other.Dataset = path; other.DatasetField = "--also-test"; other.PredictRows = null; other.HasPredictRows =
                        false; other.MaxRecords = 1;
                    var p = model.Predict(other, roots);
                    extra.Add(new JsonObject { ["dataset"] = path, ["rows"] = p.Rows, ["accuracy"] = p.Accuracy });
                    ui.MarkupLineInterpolated($"also tested on {ConsoleText.Plain(path)}: accuracy {p.Accuracy:0.00} % over {p.Rows} rows");
                }
            }
        }
        catch (RequestException e) { return Fail(ui, file, e); }
        if (asJson)
        {
            var doc = ToJson(outcome);
            doc["seed"] = request.Seed;
            doc["also_tested"] = extra;
            Console.Out.WriteLine(doc.ToJsonString());
            return ExitCodes.Ok;
        }
        PrintReport(ui, outcome);
        return ExitCodes.Ok;
    }

    private static int Fail(IAnsiConsole ui, FileInfo file, RequestException e)
    {
        Console.Error.WriteLine($"invalid: {ConsoleText.Plain(file.Name)}");
        foreach (var issue in e.Issues) Console.Error.WriteLine($"  {ConsoleText.Plain(issue.Field)}: {ConsoleText.Plain(issue.Message)}");
        return ExitCodes.BadInput;
    }

    private static string Describe(TrainingProgress p)
    {
        var key = p.Phase == "cv" ? $"cv fold {p.Fold}/{p.Folds}" : "fit";
        return $"{key} epoch {p.Epoch}/{p.Epochs} loss {p.Loss:0.0000}" +
            (p.Accuracy is { } a ? $" acc {a:0.0000}" : "") + (p.ValAccuracy is { } va ? $" val_acc {va:0.0000}" : "") +
            (p.ValLoss is { } vl && p.ValAccuracy is null ? $" val_loss {vl:0.0000}" : "");
    }

    private static TrainingOutcome WithProgress(IAnsiConsole ui, AntiNexRequest request, DataRoots roots, EngineOptions options, CancellationToken ct)
    {
        if (!ui.Profile.Capabilities.Interactive)
        {
            // Redirected (a script, a log file): one plain line per tick instead of a live display.
            var lines = new SyncProgress<TrainingProgress>(p => ui.WriteLine(
                ConsoleText.Plain(p.Epochs == 0 ? $"{p.Phase}: {p.Message}" : Describe(p))));
            return TrainingEngine.Train(request, roots, options, lines, ct);
        }
        TrainingOutcome? outcome = null;
        ui.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
            .Start(ctx =>
            {
                var tasks = new Dictionary<string, ProgressTask>();
                var reporter = new SyncProgress<TrainingProgress>(p =>
                {
                    if (p.Epochs == 0) { ui.MarkupLineInterpolated($"[grey]{p.Phase}: {ConsoleText.Plain(p.Message)}[/]"); return; }
                    var key = p.Phase == "cv" ? $"cv fold {p.Fold}/{p.Folds}" : "fit";
                    if (!tasks.TryGetValue(key, out var task)) tasks[key] = task = ctx.AddTask(key, maxValue: p.Epochs);
                    task.Value = p.Epoch;
                    task.Description = Describe(p);
                });
                outcome = TrainingEngine.Train(request, roots, options, reporter, ct);
            });
        return outcome!;
    }

    private static string F(double? v, string format = "0.0000") => v is { } d ? d.ToString(format, CultureInfo.InvariantCulture) : "-";

    private static void PrintReport(IAnsiConsole ui, TrainingOutcome outcome)
    {
        var r = outcome.Report;
        var summary = new Table().Title($"[bold]{ConsoleText.Cell(r.Label)}[/] ({ConsoleText.Cell(r.MlType)})").AddColumn("metric")
            .AddColumn(new TableColumn("value").RightAligned());
        if (r.MlType != MlTypes.Regression)
        {
            summary.AddRow("test accuracy %", F(r.Accuracy, "0.00"));
            summary.AddRow("precision", F(r.Precision)).AddRow("recall", F(r.Recall)).AddRow("F1", F(r.F1)).AddRow("ROC AUC", F(r.RocAuc));
        }
        else summary.AddRow("MSE", F(r.Mse)).AddRow("MAE", F(r.Mae)).AddRow("R2", F(r.R2));
        if (r.Cv.Count > 0) summary.AddRow($"CV {r.Cv.Count} folds (mean ± std)", $"{F(r.CvMean, "0.00")} ± {F(r.CvStd, "0.00")}");
        summary.AddRow("train / test rows", $"{r.TrainRows} / {r.TestRows}");
        ReportTables.AddTrainingRows(summary, r);
        summary.AddRow("wall time s", F(r.TrainSeconds, "0.00")).AddRow("training rows/s", F(r.RowsPerSecond, "0"));
        summary.AddRow("artifact bytes", outcome.Artifact.Length.ToString(CultureInfo.InvariantCulture));
        ui.Write(summary);
        foreach (var table in ReportTables.QualityTables(r)) ui.Write(table);
        NoveltyTable.Write(ui, r);

        if (ReportTables.ConfusionMatrix(r, ui.Profile.Width) is { } matrix) ui.Write(matrix);
        if (ReportTables.ModelSelection(r) is { } selection) ui.Write(selection);
        if (r.Cv.Count > 0) ui.Write(ReportTables.CrossValidation(r));
        if (r.History.Count > 0) // a tree ensemble has no epochs
        {
            var h = new Table().Title(r.Cv.Any(f => f.EpochsRun is not null) ? "history of fold 1 (last epochs)" : "history (last epochs)")
                .AddColumn("epoch").AddColumn("loss").AddColumn("acc").AddColumn("val_loss").AddColumn("val_acc");
            foreach (var e in r.History.TakeLast(10)) h.AddRow(e.Epoch.ToString(), F(e.Loss), F(e.Accuracy), F(e.ValLoss), F(e.ValAccuracy));
            ui.Write(h);
        }
        foreach (var w in r.Warnings) ui.MarkupLineInterpolated($"[yellow]warning:[/] {ConsoleText.Plain(w)}");
        foreach (var plot in r.Plots) ui.MarkupLineInterpolated($"plot: {ConsoleText.Plain(plot)}");
        if (outcome.Predictions is { } p) ui.WriteLine(ConsoleText.Plain(p.Summary));
    }

    /// <summary>The --json document: the report (snake_case) plus the predictions summary and artifact size.</summary>
    internal static JsonObject ToJson(TrainingOutcome outcome)
    {
        var node = JsonSerializer.SerializeToNode(outcome.Report, ReportJson.Options)!.AsObject();
        node["artifact_bytes"] = outcome.Artifact.Length;
        node["predictions_summary"] = outcome.Predictions?.Summary;
        node["predictions_accuracy"] = outcome.Predictions?.Accuracy;
        return node;
    }
}

/// <summary>IProgress that runs the handler synchronously on the reporting thread (Progress&lt;T&gt; would post).</summary>
internal sealed class SyncProgress<T>(Action<T> handler) : IProgress<T>
{
    public void Report(T value) => handler(value);
}
