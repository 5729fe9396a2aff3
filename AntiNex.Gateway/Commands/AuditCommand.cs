using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using AntiNex.Audit;
using AntiNex.Gateway.Cluster;
using Spectre.Console;

namespace AntiNex.Gateway.Commands;

/// <summary>`audit [--label L] [--since T] [--limit N]`: the newest audit entries (train, forget, cancel, search, queue).</summary>
internal static class AuditCommand
{
    public static Command Create()
    {
        var common = new ClusterCommandOptions("30s");
        var label = new Option<string?>("--label") { Description = "Only this model label" };
        var since = new Option<string?>("--since")
        {
            Description = "Only entries at or after a time: ISO-8601 (2026-12-01T13:00:00Z) or an age (30m, 12h, 7d)",
        };
        var limit = new Option<int>("--limit") { Description = $"Newest N entries (1..{QueryAudit.MaxLimit})", DefaultValueFactory = _ => 50 };
        var command = new Command("audit", "Show the audit trail: who trained, forgot or cancelled which model, when, from where, with what result.");
        command.Options.Add(label);
        command.Options.Add(since);
        command.Options.Add(limit);
        common.AddTo(command);
        command.SetAction((p, ct) =>
        {
            QueryAudit query;
            try
            {
                var n = p.GetValue(limit);
                if (n < 1 || n > QueryAudit.MaxLimit) throw new UsageException($"--limit: {n} is not in 1..{QueryAudit.MaxLimit}");
                query = new QueryAudit(p.GetValue(label), ParseSince(p.GetValue(since), DateTimeOffset.UtcNow), n);
            }
            catch (UsageException ex)
            {
                new Output(p.GetValue(common.Json)).Error("usage", ex.Message); // no cluster needed to refuse bad options
                return Task.FromResult(ExitCodes.BadInput);
            }
            return common.RunAsync(p, ct, async (client, output) =>
            {
                var answer = await client.AuditAsync(query, common.TimeoutFrom(p));
                if (answer.Error is not null)
                {
                    output.Error("audit-unavailable", answer.Error);
                    return ExitCodes.ModelFailed;
                }
                if (output.Json) Console.WriteLine(JsonSerializer.Serialize(answer, Output.JsonOptions));
                else Print(answer);
                return ExitCodes.Ok;
            });
        });
        return command;
    }

    /// <summary>An ISO-8601 time, or an age back from <paramref name="now"/> (s, m, h, d).</summary>
    public static DateTimeOffset? ParseSince(string? raw, DateTimeOffset now)
    {
        if (string.IsNullOrWhiteSpace(raw)) return null;
        raw = raw.Trim();
        if (raw.EndsWith('d') && double.TryParse(raw[..^1], CultureInfo.InvariantCulture, out var days) && days > 0
            && days <= Durations.LongSpan.TotalDays)
            return now - TimeSpan.FromDays(days);
        if (char.IsDigit(raw[^1]) || raw.Contains('T') || raw.Contains('-'))
        {
            if (DateTimeOffset.TryParse(raw, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at)) return at;
            throw new UsageException($"--since: '{raw}' is neither an ISO-8601 time (2026-12-01T13:00:00Z) nor an age (30m, 12h, 7d)");
        }
        try { return now - Durations.Parse(raw, "--since", Durations.LongSpan); }
        catch (UsageException) { throw new UsageException($"--since: '{raw}' is neither an ISO-8601 time nor an age (30m, 12h, 7d)"); }
    }

    internal static string SignatureCell(string? integrity) => integrity switch
    {
        null => "",
        AuditEntry.Verified => "ok",
        AuditEntry.Unsigned => "UNSIGNED",
        _ => "REFUSED",
    };

    private static void Print(AuditEntries answer)
    {
        if (answer.Entries.Count == 0)
        {
            AnsiConsole.WriteLine("no audit entries match");
            return;
        }
        // Shown when the answering node checks signatures (its log is in Redis and it holds the model key).
        var checkedSignatures = answer.Entries.Any(e => e.Integrity is not null);
        string[] columns = ["time (UTC)", "action", "label", "who", "via", "client", "request", "result", "detail", "node"];
        var table = new Table().AddColumns(checkedSignatures ? [.. columns, "signature"] : columns);
        foreach (var e in answer.Entries)
        {
            string[] cells = [e.AtUtc.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture), e.Action, e.Label, e.Who,
                e.Via ?? "", e.Client ?? "", e.RequestId ?? "", e.Result, e.Detail ?? "", e.Node];
            if (checkedSignatures) cells = [.. cells, SignatureCell(e.Integrity)];
            table.AddRow(cells.Select(c => (Spectre.Console.Rendering.IRenderable)new Text(c)));
        }
        AnsiConsole.Write(table);
        if (answer.Truncated)
            AnsiConsole.MarkupLineInterpolated(
                $"[yellow]only the newest {answer.Entries.Count} matching entries fit one cluster message; older ones were left out[/]");
        // An entry signed with a key the node no longer holds (dropped after a rotation) is not evidence of tampering.
        var oldKey = answer.Entries.Count(e => e.Suspect && e.Integrity!.Contains("which this node does not hold", StringComparison.Ordinal));
        var suspect = answer.Entries.Count(e => e.Suspect) - oldKey;
        if (suspect > 0)
        {
            var text = $"{suspect} entries do not verify: no node holding the model key wrote them as they read (added or altered " +
                       "in Redis, or written before entries were signed); --json says why for each";
            AnsiConsole.MarkupLine($"[yellow]{Markup.Escape(text)}[/]");
        }
        if (oldKey > 0)
        {
            var text = $"{oldKey} entries are signed with a key the answering node does not hold (one dropped after a rotation? give " +
                       "it as --previous-model-key-file to verify them)";
            AnsiConsole.MarkupLine($"[yellow]{Markup.Escape(text)}[/]");
        }
        if (answer.WriteFailures > 0)
            AnsiConsole.MarkupLineInterpolated(
                $"[yellow]the answering node failed to write {answer.WriteFailures} audit entries since it started (see its log)[/]");
    }
}
