using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using Akka.Actor;
using AntiNex.Gateway.Cluster;
using AntiNex.Learning;
using AntiNex.Models;
using AntiNex.Requests;
using AntiNex.Search;
using Spectre.Console;

namespace AntiNex.Gateway.Commands;

/// <summary>
/// `search -f REQUEST.json --trials N [--space SPACE.json] [--folds K] [--seed S] [--strategy random|grid] [--out BEST.json]`:
/// a model search on the cluster. Trials (the request with one configuration applied, num_splits = K) are scored by
/// K-fold CV on the training data only, on the model nodes' training slots; a live leaderboard follows them; the best
/// configuration is retrained through the normal train path under the request's label (stored and served) and written
/// to --out as a request file `train` accepts.
/// </summary>
internal static class SearchCommand
{
    public static Command Create()
    {
        var file = EngineCli.RequestFile();
        var trials = new Option<int>("--trials", "-n") { Description = "Number of trials (configurations) to score", Required = true };
        var space = new Option<FileInfo?>("--space")
        {
            Description =
            "Search space JSON (default: widths x depths, learning rate, dropout, batch size, scaler, class weights; see README)"
        };
        var folds = new Option<int>("--folds")
        {
            Description = "CV folds per trial (overrides the request's num_splits for the trials)",
            DefaultValueFactory = _ => 3
        };
        var seed = new Option<long>("--seed") { Description = "Seed of the random strategy (same seed, same trials)", DefaultValueFactory = _ => 1 };
        var strategy = new Option<string>("--strategy")
        {
            Description = "random (seeded draws) or grid (every combination, first N)",
            DefaultValueFactory = _ => "random"
        };
        strategy.AcceptOnlyFromAmong([.. TrialPlanner.Strategies]);
        var output = new Option<FileInfo?>("--out", "-o") { Description = "Write the best configuration here as a request file for `train`" };
        var noRetrain = new Option<bool>("--no-retrain") { Description = "Only search: do not retrain the best configuration under the label" };
        var command = new Command("search", "Model search on the cluster: trials scored by CV on the training data, best retrained under the label.");
        foreach (var o in new Option[] { file, trials, space, folds, seed, strategy, output, noRetrain }) command.Options.Add(o);
        var common = new ClusterCommandOptions("3h");
        common.AddTo(command);
        command.SetAction((p, ct) =>
        {
            var json = p.GetValue(common.Json);
            SearchPlan plan;
            try
            {
                plan = SearchPlan.Build(p.GetValue(file)!.FullName, p.GetValue(space)?.FullName, p.GetValue(trials), p.GetValue(folds),
                    p.GetValue(seed), p.GetValue(strategy) ?? "random");
            }
            catch (UsageException ex) { new Output(json).Error("bad-request", ex.Message); return Task.FromResult(ExitCodes.BadInput); }
            if (p.GetValue(output) is { } outFile && outFile.Directory is { Exists: false } missing)
            {
                // Found now, not after the whole search.
                new Output(json).Error("bad-request", $"--out: folder '{missing.FullName}' does not exist");
                return Task.FromResult(ExitCodes.BadInput);
            }
            return common.RunAsync(p, ct, (client, o) => Run(client, o, plan, p.GetValue(output), !p.GetValue(noRetrain), common.TimeoutFrom(p), ct));
        });
        return command;
    }

    private static async Task<int> Run(GatewayClient client, Output output, SearchPlan plan, FileInfo? outFile, bool retrain, TimeSpan timeout,
        CancellationToken ct)
    {
        var board = new LiveBoard(plan);
        var err = ConsoleWidth.Stderr();
        if (!output.Json)
        {
            var trials = $"{plan.Trials.Count} trials ({plan.Strategy}, seed {plan.Seed})";
            var cv = $"{plan.Folds}-fold CV on the training data";
            err.MarkupLineInterpolated($"[grey]search {plan.SearchId}: {trials}, {cv}; score: {Leaderboard.ScoreName(plan.MlType)}[/]");
        }
        foreach (var note in plan.Notes) err.MarkupLineInterpolated($"[yellow]note:[/] {ConsoleText.Plain(note)}");

        // A trial too large for one cluster message would be dropped by the transport and never answered.
        foreach (var t in plan.Trials)
            if (client.Frame.CheckJson(plan.ModelId, t.RequestJson, $"trial {t.Trial}'s request", null) is { } tooLarge)
            {
                output.Error(tooLarge.Code, tooLarge.Message);
                return ExitCodes.BadInput;
            }
        var channel = Channel.CreateUnbounded<SearchEvent>(new UnboundedChannelOptions { SingleReader = true });
        var clock = Stopwatch.StartNew();
        var coordinator = client.System.ActorOf(SearchCoordinator.Props(plan.SearchId, plan.Trials, channel.Writer), "search-" + plan.SearchId);
        IReadOnlyList<TrialResult>? results = null;
        string? incomplete = null;
        var (incompleteKind, incompleteCode) = ("timeout", ExitCodes.Timeout);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        deadline.CancelAfter(timeout);
        try
        {
            // Interactive terminal: a table re-rendered in place; otherwise (logs, scripts, --json) one line per event on stderr.
            if (!output.Json && AnsiConsole.Profile.Capabilities.Interactive)
                await AnsiConsole.Live(board.Render(clock.Elapsed)).AutoClear(false).StartAsync(async ctx =>
                {
                    await foreach (var e in channel.Reader.ReadAllAsync(deadline.Token))
                    {
                        if (board.Apply(e, clock.Elapsed) is { } done) results = done;
                        ctx.UpdateTarget(board.Render(clock.Elapsed));
                    }
                });
            else
                await foreach (var e in channel.Reader.ReadAllAsync(deadline.Token))
                {
                    if (board.Apply(e, clock.Elapsed) is { } done) results = done;
                    if (board.Describe(e) is { } line) err.WriteLine(ConsoleText.Plain(line));
                }
        }
        catch (OperationCanceledException)
        {
            if (ct.IsCancellationRequested) { output.Error("cancelled", "search cancelled"); return ExitCodes.Cancelled; }
            incomplete = $"the search did not finish within {timeout} ({board.DoneCount}/{plan.Trials.Count} trials done)";
        }
        catch (Exception e) when (e is SearchAbortedException || e.InnerException is SearchAbortedException)
        {
            // The coordinator stopped with this gateway's actor system: Ctrl-C here (the host stops it on the same
            // signal), or the cluster removed this gateway (exit 4, as every cluster command).
            if (ct.IsCancellationRequested || (client.Stopping && !client.RemovedByCluster))
            {
                output.Error("cancelled", "search cancelled");
                return ExitCodes.Cancelled;
            }
            incomplete = (e as SearchAbortedException ?? (SearchAbortedException)e.InnerException!).Message;
            if (client.RemovalText is { } removal)
            {
                (incompleteKind, incompleteCode) = ("unreachable", ExitCodes.Unreachable);
                incomplete = $"{incomplete}: {removal}";
            }
        }
        finally
        {
            // Ended without completing (Ctrl-C, timeout, any error): cancels the trials still running on the nodes.
            if (results is null) coordinator.Tell(PoisonPill.Instance);
        }
        var searchSeconds = clock.Elapsed.TotalSeconds;
        // An unfinished search still reports what it scored; it retrains nothing.
        results ??= board.Finished;
        var ranked = Leaderboard.Rank(results, plan.MlType);
        var doc = new JsonObject
        {
            ["search_id"] = plan.SearchId, ["label"] = plan.Label, ["strategy"] = plan.Strategy, ["seed"] = plan.Seed, ["folds"] = plan.Folds,
            ["score"] = Leaderboard.ScoreName(plan.MlType), ["higher_is_better"] = Leaderboard.HigherIsBetter(plan.MlType),
            ["trials_requested"] = plan.Requested, ["trials"] = results.Count, ["scored"] = ranked.Count,
            ["search_seconds"] = Math.Round(searchSeconds, 3),
            ["nodes"] = new JsonObject(results.Where(r => r.Scored).GroupBy(r => r.Node).OrderBy(g => g.Key, StringComparer.Ordinal)
                .Select(g => KeyValuePair.Create(g.Key, (JsonNode?)g.Count()))),
            ["leaderboard"] = new JsonArray(ranked.Select((r, i) => (JsonNode)TrialJson(r, i + 1)).ToArray()),
            ["failed"] = new JsonArray(results.Where(r => !r.Scored).Select(r => (JsonNode)TrialJson(r, null)).ToArray()),
            ["node_events"] = new JsonArray(board.Notes.Select(n => (JsonNode?)n).ToArray()),
        };
        if (incomplete is not null) doc["incomplete"] = incomplete;
        if (!output.Json)
        {
            if (!AnsiConsole.Profile.Capabilities.Interactive) AnsiConsole.Write(board.Render(clock.Elapsed));
            foreach (var f in results.Where(r => !r.Scored)) err.MarkupLineInterpolated(
                $"[red]trial {f.Trial} ({ConsoleText.Plain(f.Config)}) on {ConsoleText.Plain(f.Node)}: {ConsoleText.Plain(f.Error)}[/]");
            var perNode = string.Join(", ",
                results.Where(r => r.Scored).GroupBy(r => r.Node).OrderBy(g => g.Key).Select(g => $"{ConsoleText.Plain(g.Key)} {g.Count()}"));
            err.MarkupLineInterpolated($"[grey]search wall time {searchSeconds:F1} s, trials per node: {perNode}[/]");
        }
        if (incomplete is not null)
        {
            if (ranked.Count > 0) doc["best_so_far"] = TrialJson(ranked[0], 1);
            output.Error(incompleteKind, $"{incomplete}; the leaderboard holds the trials finished so far, nothing was retrained");
            if (output.Json) Console.WriteLine(doc.ToJsonString(Output.JsonOptions));
            return incompleteCode;
        }
        if (ranked.Count == 0)
        {
            var first = results.FirstOrDefault(r => r.Error is not null)?.Error ?? "no trial ran";
            output.Error("search-failed", $"no trial was scored ({results.Count} failed; first: {first})");
            if (output.Json) Console.WriteLine(doc.ToJsonString(Output.JsonOptions));
            return ExitCodes.ModelFailed;
        }

        var best = ranked[0];
        var bestJson = TrialPlanner.Apply(plan.BaseJson, plan.Configs[best.Trial], folds: null);
        doc["best"] = TrialJson(best, 1);
        int code = ExitCodes.Ok;
        if (outFile is not null)
        {
            try
            {
                await PredictionFile.WriteAsync(outFile.FullName, System.Text.Encoding.UTF8.GetBytes(bestJson + "\n"), "--out");
                doc["best"]!["request_file"] = outFile.FullName;
                if (!output.Json) err.MarkupLineInterpolated($"best configuration written to {outFile.FullName}");
            }
            catch (UsageException e) // hours of search are not lost to a bad --out: the request goes to stderr instead
            {
                output.Error("usage", $"{e.Message}; the best request follows on stderr");
                Console.Error.WriteLine(bestJson);
                doc["best"]!["request"] = JsonNode.Parse(bestJson);
                code = ExitCodes.BadInput;
            }
        }
        if (!output.Json)
        {
            var score = $"{Leaderboard.ScoreName(plan.MlType)} {Leaderboard.FormatScore(best)}";
            var (config, node) = (ConsoleText.Plain(best.Config), ConsoleText.Plain(best.Node));
            AnsiConsole.MarkupLineInterpolated($"[bold]best:[/] trial {best.Trial} [bold]{config}[/]: {score} (on {node})");
        }
        if (retrain)
        {
            if (!output.Json) err.MarkupLineInterpolated($"[grey]retraining the best configuration under '{ConsoleText.Plain(plan.Label)}'...[/]");
            var reply = await client.TrainAsync(plan.ModelId, bestJson, timeout, output.Json ? null : output.Progress, ct: ct,
                origin: client.Origin with { Via = "search" });
            switch (reply)
            {
                case ModelTrainedReply t:
                    doc["retrained"] = new JsonObject
                    {
                        ["label"] = t.Label, ["version"] = t.Version, ["node"] = t.Node, ["test_accuracy"] = t.Report.Accuracy,
                        ["mse"] = t.Report.Mse, ["cv_mean"] = t.Report.CvMean, ["train_seconds"] = t.Report.TrainSeconds,
                    };
                    if (!output.Json) output.Reply(t);
                    break;
                default:
                    doc["retrained"] = JsonSerializer.SerializeToNode(reply, reply.GetType(), Output.JsonOptions);
                    if (!output.Json) output.Reply(reply);
                    code = ExitCodes.ModelFailed;
                    break;
            }
        }
        if (output.Json) Console.WriteLine(doc.ToJsonString(Output.JsonOptions));
        return code;
    }

    private static JsonObject TrialJson(TrialResult r, int? rank) => new()
    {
        ["rank"] = rank, ["trial"] = r.Trial, ["config"] = r.Config, ["node"] = r.Node,
        ["cv_mean"] = r.CvMean, ["cv_std"] = r.CvStd, ["folds"] = new JsonArray(r.Folds.Select(f => (JsonNode?)f).ToArray()),
        ["seconds"] = Math.Round(r.Seconds, 3), ["error"] = r.Error,
    };
}

/// <summary>Everything decided before connecting: the base request, the trials and their request texts.</summary>
internal sealed record SearchPlan(string SearchId, string Label, string ModelId, string MlType, string BaseJson, string Strategy, long Seed,
    int Folds,
    int Requested, IReadOnlyList<SearchTrial> Trials, IReadOnlyDictionary<int, TrialConfig> Configs, IReadOnlyList<string> Notes)
{
    public static SearchPlan Build(string requestPath, string? spacePath, int trials, int folds, long seed, string strategy)
    {
        var file = RequestFile.Read(requestPath);
        AntiNexRequest request;
        try { request = AntiNexRequest.Parse(file.Json, out _); }
        catch (RequestException e) { throw new UsageException($"{requestPath}: {e.Message}"); }
        if (request.MlType == MlTypes.Standalone)
            throw new UsageException(
                $"{requestPath}: ml_type: {MlTypes.Standalone} is not cross-validated; a search needs classification or regression");
        // Trials vary a network's settings and are scored as networks; a tree has none of them, and auto would choose its
        // model at the retrain, not among the configurations scored, so the best trial would not be what is served.
        if (request.ModelKind != ModelKinds.Network)
            throw new UsageException($"{requestPath}: model_kind: a search varies a network's settings and scores them as a network; " +
                $"'{request.ModelKind}' has none to vary (auto chooses its own model on the training rows): use model_kind network, " +
                "or train the request as it is");
        if (folds < 2) throw new UsageException($"--folds: must be >= 2 (trials are scored by cross-validation), got {folds}");
        if (trials < 1) throw new UsageException($"--trials: must be >= 1, got {trials}");
        SearchSpace space;
        try { space = spacePath is null ? SearchSpace.Default : SearchSpace.Parse(ReadSpace(spacePath)); }
        catch (RequestException e) { throw new UsageException($"{spacePath}: {e.Message}"); }
        var notes = new List<string>();
        IReadOnlyList<TrialConfig> configs;
        try { configs = TrialPlanner.Plan(space, strategy, trials, seed); }
        catch (RequestException e) { throw new UsageException(e.Message); }
        if (configs.Count < trials)
            notes.Add($"the space has {space.Size} distinct configurations: {configs.Count} trials instead of {trials}");
        if (strategy == "grid" && space.Size > trials)
            notes.Add($"the grid has {space.Size} combinations: running the first {trials} (grid order, last dimension fastest)");
        var list = new List<SearchTrial>();
        var byTrial = new Dictionary<int, TrialConfig>();
        for (int i = 0; i < configs.Count; i++)
        {
            string json;
            try
            {
                json = TrialPlanner.Apply(file.Json, configs[i], folds);
                AntiNexRequest.Parse(json, out _); // a space value the request format refuses is reported before any trial runs
            }
            catch (RequestException e) { throw new UsageException($"trial {i + 1} ({configs[i].Describe()}): {e.Message}"); }
            list.Add(new SearchTrial(i + 1, configs[i].Describe(), json));
            byTrial[i + 1] = configs[i];
        }
        var id = DateTime.UtcNow.ToString("HHmmss", CultureInfo.InvariantCulture) + "-" + Guid.NewGuid().ToString("N")[..6];
        return new SearchPlan(id, file.Label, file.ModelId, request.MlType, file.Json, strategy, seed, folds, trials, list, byTrial, notes);
    }

    private static string ReadSpace(string path)
    {
        if (!File.Exists(path)) throw new UsageException($"--space: file '{path}' does not exist");
        return File.ReadAllText(path);
    }
}

/// <summary>The leaderboard's state, fed by coordinator events; renders a Spectre table.</summary>
internal sealed class LiveBoard(SearchPlan plan)
{
    private readonly Dictionary<int, TrialResult> _done = [];
    private readonly Dictionary<int, (string Node, bool Started, TimeSpan Since)> _running = [];
    private readonly Dictionary<string, int> _slots = [];
    private readonly List<string> _notes = [];

    public int DoneCount => _done.Count;
    /// <summary>The trials finished so far (all of them once the search completed).</summary>
    public IReadOnlyList<TrialResult> Finished => _done.Values.OrderBy(r => r.Trial).ToList();
    /// <summary>Nodes lost during the search and the trials they gave back; nodes unreachable for a while.</summary>
    public IReadOnlyList<string> Notes => _notes;

    /// <summary>Applies an event; returns the final results when the search completed.</summary>
    public IReadOnlyList<TrialResult>? Apply(SearchEvent e, TimeSpan now)
    {
        switch (e)
        {
            case RunnerJoined j: _slots[j.Node] = j.Slots; break;
            case RunnerLost l:
                _slots.Remove(l.Node);
                foreach (var t in l.Requeued) _running.Remove(t);
                _notes.Add($"{l.Node} {l.Reason}: re-queued trials [{string.Join(", ", l.Requeued)}]");
                break;
            case RunnerUnreachable u: _notes.Add($"{u.Node} unreachable, holding trials [{string.Join(", ", u.Holding)}]"); break;
            case RunnerReachable r: _notes.Add($"{r.Node} reachable again"); break;
            case TrialDispatched d: _running[d.Trial] = (d.Node, false, now); break;
            case TrialRunning r: _running[r.Trial] = (r.Node, true, now); break;
            case TrialFinished f: _running.Remove(f.Result.Trial); _done[f.Result.Trial] = f.Result; break;
            case SearchCompleted c: return c.Results;
        }
        return null;
    }

    public string? Describe(SearchEvent e) => e switch
    {
        RunnerJoined j => $"node {j.Node} joined the search ({j.Slots} slot{(j.Slots == 1 ? "" : "s")})",
        RunnerLost l => $"node {l.Node} {l.Reason}: re-queued trials [{string.Join(", ", l.Requeued)}]",
        RunnerUnreachable u => $"node {u.Node} is unreachable: no new trial for it; its trials [{string.Join(", ", u.Holding)}] wait " +
            "for it to come back or be removed",
        RunnerReachable r => $"node {r.Node} is reachable again",
        TrialRunning r => $"trial {r.Trial} running on {r.Node}: {plan.Trials[r.Trial - 1].Config}",
        TrialFinished { Result: var t } => t.Scored
            ? $"trial {t.Trial} done on {t.Node} in {t.Seconds:F1} s: {t.Config} -> {Leaderboard.FormatScore(t)} " +
                $"({_done.Count}/{plan.Trials.Count}; best so far " +
                $"{Leaderboard.FormatScore(Leaderboard.Rank(_done.Values, plan.MlType).FirstOrDefault() ?? t)})"
            : $"trial {t.Trial} failed on {t.Node}: {t.Error} ({_done.Count}/{plan.Trials.Count})",
        _ => null,
    };

    public Table Render(TimeSpan elapsed)
    {
        var table = new Table()
            .Title($"[bold]search {ConsoleText.Cell(plan.Label)}[/] ({plan.Strategy}, {plan.Folds}-fold CV, {Leaderboard.ScoreName(plan.MlType)})")
            .AddColumn(new TableColumn("rank").RightAligned()).AddColumn(new TableColumn("trial").RightAligned()).AddColumn("node")
            .AddColumn("config").AddColumn(new TableColumn("CV mean ± std").RightAligned()).AddColumn(new TableColumn("seconds").RightAligned());
        var ranked = Leaderboard.Rank(_done.Values, plan.MlType);
        for (int i = 0; i < ranked.Count; i++)
        {
            var r = ranked[i];
            var style = i == 0 ? "bold green" : "default";
            table.AddRow(new Markup($"[{style}]{i + 1}[/]"), new Text(r.Trial.ToString(CultureInfo.InvariantCulture)),
                new Text(ConsoleText.Plain(r.Node)),
                new Text(ConsoleText.Plain(r.Config)), new Markup($"[{style}]{Markup.Escape(Leaderboard.FormatScore(r))}[/]"),
                    new Text(r.Seconds.ToString("F1", CultureInfo.InvariantCulture)));
        }
        foreach (var (trial, run) in _running.OrderBy(kv => kv.Key))
            table.AddRow(new Text(""), new Text(trial.ToString(CultureInfo.InvariantCulture)), new Text(ConsoleText.Plain(run.Node)),
                new Text(ConsoleText.Plain(plan.Trials[trial - 1].Config)),
                new Markup(run.Started ? "[yellow]running[/]" : "[grey]sent[/]"),
                    new Text((elapsed - run.Since).TotalSeconds.ToString("F0", CultureInfo.InvariantCulture)));
        foreach (var f in _done.Values.Where(r => !r.Scored).OrderBy(r => r.Trial))
            table.AddRow(new Text("-"), new Text(f.Trial.ToString(CultureInfo.InvariantCulture)), new Text(ConsoleText.Plain(f.Node)),
                new Text(ConsoleText.Plain(f.Config)),
                new Markup("[red]failed[/]"), new Text(""));
        var queued = plan.Trials.Count - _done.Count - _running.Count;
        table.Caption($"{_done.Count}/{plan.Trials.Count} done, {_running.Count} running, {queued} queued; " +
                      $"{_slots.Count} node(s), {_slots.Values.Sum()} slot(s); {elapsed.TotalSeconds:F0} s" +
                      (_notes.Count > 0 ? "\n" + Markup.Escape(string.Join("\n", _notes.TakeLast(3))) : ""));
        return table;
    }
}
