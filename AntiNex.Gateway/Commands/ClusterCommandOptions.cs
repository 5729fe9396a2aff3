using System.CommandLine;
using AntiNex.Cluster;
using AntiNex.Cluster.Security;
using AntiNex.Gateway.Cluster;
using Microsoft.Extensions.Logging;

namespace AntiNex.Gateway.Commands;

/// <summary>
/// The options every command that talks to the cluster offers (<c>--seed-node</c>, <c>--json</c>, <c>--timeout</c>, and
/// this gateway's own <c>--hostname</c>/<c>--port</c>/<c>--verbose</c>), and the join/leave around the command's body
/// with its failures mapped to <see cref="ExitCodes"/>.
/// </summary>
internal sealed class ClusterCommandOptions
{
    public const string SeedNodeOption = "--seed-node";
    public const string DefaultSeedNode = "akka.tcp://antinex@127.0.0.1:4053";

    private readonly bool _ownJson;

    /// <param name="defaultTimeout">The command's --timeout default (e.g. 30s, 30m).</param>
    /// <param name="existingJson">The command's own --json when it already has one (train, shared with --local).</param>
    public ClusterCommandOptions(string defaultTimeout, Option<bool>? existingJson = null)
    {
        _ownJson = existingJson is null;
        Json = existingJson ?? new Option<bool>("--json") { Description = "Print results as JSON instead of tables" };
        Timeout = new Option<string>("--timeout") { Description = "Give up after (e.g. 30s, 10m)", DefaultValueFactory = _ => defaultTimeout };
    }

    public Option<string[]> SeedNodes { get; } = new(SeedNodeOption)
    {
        Description = $"Seed node akka.tcp://antinex@HOST:PORT, repeatable (default: $ANTINEX_SEEDS, else {DefaultSeedNode})",
    };

    public Option<bool> Json { get; }
    public Option<string> Timeout { get; }
    public const string HostnameVariable = "ANTINEX_GATEWAY_HOSTNAME";

    /// <summary>The gateway's own cluster address. The nodes connect back to it, so in a container it must be the container's
    /// address: the container entry point sets <see cref="HostnameVariable"/>, which every cluster command then takes.</summary>
    public Option<string> Hostname { get; } = new("--hostname")
    {
        Description = $"Address this gateway binds to (default: ${HostnameVariable}, else 127.0.0.1)",
        DefaultValueFactory = _ => HostnameDefault(Environment.GetEnvironmentVariable(HostnameVariable)),
    };

    /// <summary>--hostname's default from the variable's value: loopback unless it names an address (blank would make Akka
    /// bind every interface).</summary>
    internal static string HostnameDefault(string? variable) => variable?.Trim() is { Length: > 0 } h ? h : "127.0.0.1";
    public Option<int> Port { get; } = new("--port") { Description = "Port this gateway binds to (0 = any free port)", DefaultValueFactory = _ => 0 };
    public Option<bool> Verbose { get; } = new("--verbose") { Description = "Log cluster events to stderr" };
    public Option<string> TlsCertificate { get; } = new("--tls-certificate")
    { Description = "PKCS#12 certificate + key of this gateway (default: $ANTINEX_TLS_CERTIFICATE)" };
    public Option<string> TlsPasswordFile { get; } = new("--tls-password-file")
    { Description = "File holding the PKCS#12 password (default: $ANTINEX_TLS_PASSWORD_FILE)" };
    public Option<string> TlsCa { get; } = new("--tls-ca") { Description = "PEM of the cluster CA (default: $ANTINEX_TLS_CA)" };
    public Option<bool> Insecure { get; } = new("--insecure") { Description = "Plaintext akka.tcp, no authentication (development clusters only)" };

    public void AddTo(Command command)
    {
        Option[] tls = [TlsCertificate, TlsPasswordFile, TlsCa, Insecure];
        Option[] options = _ownJson ? [SeedNodes, Json, Timeout, Hostname, Port, Verbose] : [SeedNodes, Timeout, Hostname, Port, Verbose];
        options = [.. options, .. tls];
        foreach (var o in options) command.Options.Add(o);
    }

    /// <summary>The seeds of the options (each may be a comma-separated list, as a node takes them), else $ANTINEX_SEEDS, else
    /// the default; each checked as an akka address so a typo is a usage error, not a crash inside the join.</summary>
    public IReadOnlyList<string> SeedNodesFrom(ParseResult p)
    {
        var given = p.GetValue(SeedNodes) ?? [];
        var (values, source) = given.Length > 0 ? (given, SeedNodeOption)
            : Environment.GetEnvironmentVariable("ANTINEX_SEEDS") is { } env && !string.IsNullOrWhiteSpace(env) ? ([env], "$ANTINEX_SEEDS")
            : ([DefaultSeedNode], "the default seed");
        return SeedAddress.Checked(
            values.SelectMany(v => v.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).ToList(), source);
    }

    /// <summary>The options, else the ANTINEX_TLS_* environment (what deploy/cluster.sh sets for `cluster.sh gateway`).</summary>
    public ClusterTlsSettings TlsFrom(ParseResult p) => ClusterTlsSettings.From(key => key switch
    {
        "TlsCertificate" => p.GetValue(TlsCertificate),
        "TlsPasswordFile" => p.GetValue(TlsPasswordFile),
        "TlsCa" => p.GetValue(TlsCa),
        _ => p.GetValue(Insecure) ? "true" : null,
    } ?? ClusterTlsSettings.FromEnvironment(key));

    /// <summary>How long the join may take: the command's --timeout when shorter than the usual 30 s (a bad value is the
    /// command's own usage error, reported where it reads it).</summary>
    private TimeSpan JoinTimeoutFrom(ParseResult p)
    {
        var join = GatewayOptions.DefaultJoinTimeout;
        try { return TimeoutFrom(p) is var t && t > TimeSpan.Zero && t < join ? t : join; }
        catch (Exception e) when (e is ArgumentException or UsageException) { return join; }
    }

    public TimeSpan TimeoutFrom(ParseResult p) => Durations.Parse(p.GetValue(Timeout) ?? "60s", "--timeout");

    /// <summary>The names of those options the command line gives (not left to their defaults).</summary>
    public static List<string> Given(ParseResult p, params Option[] options)
        => options.Where(o => p.GetResult(o) is { Implicit: false }).Select(o => o.Name).ToList();

    /// <summary>A join that ended otherwise than by a timeout or a usage error: Ctrl-C (130), or a connection that could not
    /// start (a port already taken, a seed address that does not resolve): unreachable (4), said in one line.</summary>
    public static int JoinFailed(Output output, Exception e, CancellationToken ct)
    {
        if (e is OperationCanceledException && ct.IsCancellationRequested)
        {
            output.Error("cancelled", "stopped while joining the cluster");
            return ExitCodes.Cancelled;
        }
        output.Error("unreachable", $"the gateway's cluster connection could not start: {e.GetBaseException().Message}");
        return ExitCodes.Unreachable;
    }

    /// <summary>Joins (or reuses an interactive session's connection), runs <paramref name="body"/>, leaves; maps
    /// failures to exit codes.</summary>
    public async Task<int> RunAsync(ParseResult p, CancellationToken ct, Func<GatewayClient, Output, Task<int>> body)
    {
        var output = new Output(p.GetValue(Json));
        try { TimeoutFrom(p); } // a bad --timeout is a usage error before anything joins, not after a join it would have bounded
        catch (UsageException e)
        {
            output.Error("usage", e.Message);
            return ExitCodes.BadInput;
        }
        if (ClusterSession.Client is { } session) return await RunBodyAsync(session, output, body, ct);
        GatewayClient client;
        try
        {
            client = await GatewayClient.ConnectAsync(new GatewayOptions
            {
                Seeds = SeedNodesFrom(p),
                Hostname = p.GetValue(Hostname) ?? "127.0.0.1",
                Port = p.GetValue(Port),
                JoinTimeout = JoinTimeoutFrom(p),
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
        catch (Exception ex)
        {
            return JoinFailed(output, ex, ct);
        }
        await using (client)
            return await RunBodyAsync(client, output, body, ct);
    }

    private static async Task<int> RunBodyAsync(GatewayClient client, Output output, Func<GatewayClient, Output, Task<int>> body,
        CancellationToken ct)
    {
        try
        {
            var code = await body(client, output);
            // Ctrl-C: a request given up is answered as a failure ("cancelled"); the exit code says the user stopped it.
            return code == ExitCodes.ModelFailed && ct.IsCancellationRequested ? ExitCodes.Cancelled : code;
        }
        catch (UsageException ex)
        {
            output.Error("usage", ex.Message);
            return ExitCodes.BadInput;
        }
        // Ctrl-C: the session gave up its request, or the gateway, stopping on the same signal, failed it first.
        catch (Exception ex) when ((ex is OperationCanceledException && ct.IsCancellationRequested)
                                   || (ex is ClusterUnavailableException && (ct.IsCancellationRequested || StoppedHere(client))))
        {
            output.Error("cancelled", "stopped (Ctrl-C or SIGTERM): the request was given up");
            return ExitCodes.Cancelled;
        }
        catch (Exception ex) when (ex is TimeoutException or Akka.Actor.AskTimeoutException or TaskCanceledException)
        {
            output.Error("timeout", $"no reply in time: {ex.Message}");
            return ExitCodes.Timeout;
        }
        catch (ClusterUnavailableException ex)
        {
            output.Error("unreachable", client.RemovalText ?? ex.Message);
            return ExitCodes.Unreachable;
        }
    }

    /// <summary>This process is stopping its gateway (a signal), not the cluster.</summary>
    private static bool StoppedHere(GatewayClient client) => client.Stopping && !client.RemovedByCluster;
}
