// Options shared by every command that talks to the cluster, the connection/exit-code plumbing, and request-file
// reading. Exit codes: 0 ok, 1 refused/failed by the model (ModelFailed), 2 bad usage or input file, 3 timeout,
// 4 cluster unreachable.
using System.CommandLine;
using System.Text.Json;
using AntiNex.Cluster.Security;
using AntiNex.Gateway.Cluster;
using AntiNex.Models;
using Microsoft.Extensions.Logging;

namespace AntiNex.Gateway.Commands;

internal static class ExitCodes
{
    public const int Ok = 0, ModelFailed = 1, BadInput = 2, Timeout = 3, Unreachable = 4;
}

internal sealed class ClusterCommandOptions
{
    public Option<string[]> Seeds { get; }
    public Option<string[]> DataRoots { get; } = new("--data-root") { Description = "Folder datasets may be read from (local commands), repeatable" };
    public Option<bool> Json { get; }
    public Option<string> Timeout { get; }
    public Option<string> Hostname { get; } = new("--hostname") { Description = "Address this gateway binds to", DefaultValueFactory = _ => "127.0.0.1" };
    public Option<int> Port { get; } = new("--port") { Description = "Port this gateway binds to (0 = any free port)", DefaultValueFactory = _ => 0 };
    public Option<bool> Verbose { get; } = new("--verbose") { Description = "Log cluster events to stderr" };
    public Option<string> TlsCertificate { get; } = new("--tls-certificate")
        { Description = "PKCS#12 certificate + key of this gateway (default: $ANTINEX_TLS_CERTIFICATE)" };
    public Option<string> TlsPasswordFile { get; } = new("--tls-password-file")
        { Description = "File holding the PKCS#12 password (default: $ANTINEX_TLS_PASSWORD_FILE)" };
    public Option<string> TlsCa { get; } = new("--tls-ca") { Description = "PEM of the cluster CA (default: $ANTINEX_TLS_CA)" };
    public Option<bool> Insecure { get; } = new("--insecure") { Description = "Plaintext akka.tcp, no authentication (development clusters only)" };

    private readonly bool _sharedJsonAndRoots;

    /// <param name="existingJson">The command's own --json (and --data-root) when it already has them (train --local).</param>
    /// <param name="seedOption">Name of the seed-nodes option ("--seed"; `search` uses --seed for its random seed and "--seed-node" here).</param>
    public ClusterCommandOptions(string defaultTimeout, Option<bool>? existingJson = null, string seedOption = "--seed")
    {
        Seeds = new Option<string[]>(seedOption)
        {
            Description = "Seed node akka.tcp://antinex@HOST:PORT, repeatable (default: $ANTINEX_SEEDS, else akka.tcp://antinex@127.0.0.1:4053)",
        };
        _sharedJsonAndRoots = existingJson is not null;
        Json = existingJson ?? new Option<bool>("--json") { Description = "Print results as JSON instead of tables" };
        Timeout = new Option<string>("--timeout") { Description = "Give up after (e.g. 30s, 10m)", DefaultValueFactory = _ => defaultTimeout };
    }

    public void AddTo(Command command)
    {
        Option[] tls = [TlsCertificate, TlsPasswordFile, TlsCa, Insecure];
        var options = (_sharedJsonAndRoots ? new Option[] { Seeds, Timeout, Hostname, Port, Verbose }
            : new Option[] { Seeds, DataRoots, Json, Timeout, Hostname, Port, Verbose }).Concat(tls);
        foreach (var o in options) command.Options.Add(o);
    }

    public IReadOnlyList<string> SeedsFrom(ParseResult p)
    {
        var seeds = p.GetValue(Seeds) ?? [];
        if (seeds.Length > 0) return seeds;
        var env = Environment.GetEnvironmentVariable("ANTINEX_SEEDS");
        if (!string.IsNullOrWhiteSpace(env)) return env.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return ["akka.tcp://antinex@127.0.0.1:4053"];
    }

    /// <summary>The options, else the ANTINEX_TLS_* environment (what deploy/cluster.sh sets for `cluster.sh gateway`).</summary>
    public ClusterTlsSettings TlsFrom(ParseResult p) => ClusterTlsSettings.From(key => key switch
    {
        "TlsCertificate" => p.GetValue(TlsCertificate),
        "TlsPasswordFile" => p.GetValue(TlsPasswordFile),
        "TlsCa" => p.GetValue(TlsCa),
        _ => p.GetValue(Insecure) ? "true" : null,
    } ?? ClusterTlsSettings.FromEnvironment(key));

    public TimeSpan TimeoutFrom(ParseResult p) => ParseDuration(p.GetValue(Timeout) ?? "60s", "--timeout");

    public static TimeSpan ParseDuration(string raw, string name)
    {
        raw = raw.Trim();
        if (raw.Contains(':') && TimeSpan.TryParse(raw, System.Globalization.CultureInfo.InvariantCulture, out var ts)) return ts;
        (string unit, double seconds)[] units = [("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600)];
        foreach (var (unit, seconds) in units)
            if (raw.EndsWith(unit) && double.TryParse(raw[..^unit.Length], System.Globalization.CultureInfo.InvariantCulture, out var n) && n > 0)
                return TimeSpan.FromSeconds(n * seconds);
        if (double.TryParse(raw, System.Globalization.CultureInfo.InvariantCulture, out var plain) && plain > 0) return TimeSpan.FromSeconds(plain);
        throw new UsageException($"{name}: '{raw}' is not a duration (e.g. 30s, 10m, 00:05:00)");
    }

    /// <summary>Connects, runs <paramref name="body"/>, leaves the cluster; maps failures to exit codes.</summary>
    public async Task<int> RunAsync(ParseResult p, CancellationToken ct, Func<GatewayClient, Output, Task<int>> body)
    {
        var output = new Output(p.GetValue(Json));
        GatewayClient client;
        try
        {
            client = await GatewayClient.ConnectAsync(new GatewayOptions
            {
                Seeds = SeedsFrom(p),
                Hostname = p.GetValue(Hostname) ?? "127.0.0.1",
                Port = p.GetValue(Port),
                LogLevel = p.GetValue(Verbose) ? LogLevel.Information : LogLevel.Error,
                Tls = TlsFrom(p),
            }, ct);
        }
        catch (ClusterTlsException ex)
        {
            output.Error("usage", $"TLS: {ex.Message}");
            return ExitCodes.BadInput;
        }
        catch (TimeoutException ex)
        {
            output.Error("unreachable", ex.Message);
            return ExitCodes.Unreachable;
        }
        catch (Exception ex) when (ex is ArgumentException or UsageException)
        {
            output.Error("usage", ex.Message);
            return ExitCodes.BadInput;
        }
        await using (client)
        {
            try
            {
                return await body(client, output);
            }
            catch (UsageException ex)
            {
                output.Error("usage", ex.Message);
                return ExitCodes.BadInput;
            }
            catch (Exception ex) when (ex is TimeoutException or Akka.Actor.AskTimeoutException or TaskCanceledException)
            {
                output.Error("timeout", $"no reply in time: {ex.Message}");
                return ExitCodes.Timeout;
            }
            catch (InvalidOperationException ex)
            {
                output.Error("unreachable", ex.Message);
                return ExitCodes.Unreachable;
            }
        }
    }
}

internal sealed class UsageException(string message) : Exception(message);

/// <summary>A request file checked enough to route it: valid JSON with a non-empty label. Everything else is
/// validated by the model entity (the engine's parser), which names the fields at fault.</summary>
internal sealed record RequestFile(string Path, string Json, string Label, string ModelId)
{
    public static RequestFile Read(string path)
    {
        if (!File.Exists(path)) throw new UsageException($"request file '{path}' does not exist");
        var json = File.ReadAllText(path);
        return FromJson(json, path);
    }

    public static RequestFile FromJson(string json, string origin)
    {
        try
        {
            using var doc = JsonDocument.Parse(json, new JsonDocumentOptions { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip });
            if (doc.RootElement.ValueKind != JsonValueKind.Object) throw new UsageException($"{origin}: the request must be a JSON object");
            if (!doc.RootElement.TryGetProperty("label", out var label) || label.ValueKind != JsonValueKind.String ||
                string.IsNullOrWhiteSpace(label.GetString()))
                throw new UsageException($"{origin}: label: required, a non-empty string (it names the model)");
            var text = label.GetString()!;
            return new RequestFile(origin, json, text, ModelIds.FromLabel(text));
        }
        catch (JsonException je)
        {
            throw new UsageException($"{origin}: not valid JSON (line {(je.LineNumber ?? 0) + 1}, byte {(je.BytePositionInLine ?? 0) + 1}): {je.Message}");
        }
    }
}
