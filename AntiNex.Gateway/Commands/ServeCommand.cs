using System.CommandLine;
using System.Globalization;
using AntiNex.Cluster.Security;
using AntiNex.Gateway.Cluster;
using AntiNex.Gateway.Http;
using AntiNex.Gateway.Http.Auth;
using AntiNex.Requests;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace AntiNex.Gateway.Commands;

/// <summary>`serve`: a long-running gateway member (role gateway) plus the HTTP service (Open Inference Protocol v2
/// and the AntiNex API), API keys required. `serve keys add` creates a key and prints its secret once.</summary>
internal static class ServeCommand
{
    public static Command Create()
    {
        var common = new ClusterCommandOptions("60s");
        var urls = new Option<string[]>("--urls")
        {
            Description = "Address(es) to listen on, http(s)://IP:PORT, repeatable or comma-separated (plain http only on loopback "
                + "unless --insecure-http)",
            DefaultValueFactory = _ => ["http://127.0.0.1:8080"],
        };
        var cert = new Option<string>("--https-certificate")
        { Description = "Certificate for https URLs: PFX/PKCS#12, or PEM (key in --https-key or the same file)" };
        var key = new Option<string>("--https-key") { Description = "PEM private key of --https-certificate" };
        var password = new Option<string>("--https-password-file")
        { Description = "File holding the password of --https-certificate (PFX) or --https-key (encrypted PEM)" };
        var insecure = new Option<bool>("--insecure-http")
        { Description = "Allow plain http on a non-loopback address (a TLS proxy or private network protects it)" };
        var keys = new Option<string>("--api-keys")
        {
            Description = $"API key file (from `serve keys add`); default: the same JSON in ${ApiKeyStore.EnvVariable}",
        };
        var maxBody = new Option<string>("--max-body")
        { Description = "Largest request body (e.g. 8MB, 512KB; at most 1GB); larger ones get 413", DefaultValueFactory = _ => "8MB" };
        var rate = new Option<int>("--rate-limit")
        {
            Description = "Requests per second per API key (a key's own rate_limit wins); 0 = none; over it: 429",
            DefaultValueFactory = _ => 2000,
        };
        var jobsDir = new Option<string>("--jobs-dir")
        {
            Description = "Folder keeping the training jobs across restarts (default: serve-jobs/ beside the --api-keys file; "
                + "with keys from the environment and no --jobs-dir, jobs live in memory only)",
        };
        var jobsTtl = new Option<string>("--jobs-ttl")
        { Description = "How long a finished job stays in the job folder", DefaultValueFactory = _ => "168h" };
        var localCopies = new Option<int>("--local-copies")
        {
            Description = "Labels whose current model this process keeps to answer small infers itself, without a cluster round trip "
                + "(least recently used out; 0 = every infer goes to the cluster)",
            DefaultValueFactory = _ => 32,
        };
        var localRows = new Option<int>("--local-copy-rows")
        { Description = "Largest infer (rows) a local copy answers; larger ones go to the cluster", DefaultValueFactory = _ => 10_000 };
        var jobsPerKey = new Option<int>("--jobs-per-key")
        {
            Description = "Unfinished training jobs one API key may have at once (POST /api/train beyond them: 429)",
            DefaultValueFactory = _ => 8,
        };
        var command = new Command("serve", "Serve the cluster over HTTP: Open Inference Protocol v2 and the AntiNex API, with API keys.");
        foreach (var o in new Option[] { urls, cert, key, password, insecure, keys, maxBody, rate, jobsDir, jobsTtl, localCopies,
            localRows, jobsPerKey }) command.Options.Add(o);
        common.AddTo(command);
        command.Subcommands.Add(KeysCommand());
        command.Subcommands.Add(ServeBenchCommand.Create());
        command.SetAction(async (p, ct) =>
        {
            var output = new Output(false);
            HttpServeOptions options;
            ApiKeyStore store;
            try
            {
                options = new HttpServeOptions
                {
                    Urls = (p.GetValue(urls) ?? [])
                        .SelectMany(u => u.Split(',', ';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).ToList(),
                    HttpsCertificateFile = p.GetValue(cert),
                    HttpsKeyFile = p.GetValue(key),
                    HttpsPasswordFile = p.GetValue(password),
                    InsecureHttp = p.GetValue(insecure),
                    ApiKeysFile = p.GetValue(keys) is { Length: > 0 } followed ? Path.GetFullPath(followed) : null,
                    MaxBodyBytes = ParseBytes(p.GetValue(maxBody) ?? "8MB", max: MaxBodyLimit),
                    RateLimit = p.GetValue(rate),
                    PredictTimeout = common.TimeoutFrom(p),
                    JobsDirectory = p.GetValue(jobsDir) ?? (p.GetValue(keys) is { Length: > 0 } keyFile
                        ? Path.Combine(Path.GetDirectoryName(Path.GetFullPath(keyFile))!, "serve-jobs") : null),
                    JobsTimeToLive = Durations.Parse(p.GetValue(jobsTtl) ?? "168h", "--jobs-ttl", Durations.LongSpan),
                    LocalCopies = p.GetValue(localCopies),
                    LocalCopyRows = p.GetValue(localRows),
                    JobsPerKey = p.GetValue(jobsPerKey),
                };
                // The nodes' limits, from the same variables: the local copies parse and predict with them.
                EngineLimits.Current = EngineLimitsSettings.From(new ConfigurationBuilder().AddEnvironmentVariables("ANTINEX_").Build()
                    .GetSection("EngineLimits"));
                if (options.JobsPerKey < 1) throw new ArgumentException("--jobs-per-key: must be >= 1");
                if (options.LocalCopies < 0) throw new ArgumentException("--local-copies: must be >= 0");
                if (options.LocalCopyRows < 0) throw new ArgumentException("--local-copy-rows: must be >= 0");
                if (options.RateLimit < 0) throw new ArgumentException("--rate-limit: must be >= 0");
                if (options.JobsDirectory is { } jobsFolder) CheckWritable(jobsFolder);
                ListenAddress.CheckFree(ListenAddress.ParseAll(options)); // refuse bad or taken addresses before joining the cluster
                store = ApiKeyStore.Load(p.GetValue(keys)) ?? throw new ArgumentException(
                    $"no API keys: pass --api-keys FILE or set ${ApiKeyStore.EnvVariable} "
                    + "(create one: antinex-gateway serve keys add --id NAME --scopes predict,read --file FILE)");
                if (store.Keys.Count == 0) throw new ArgumentException("the API key file holds no key: every request would be refused");
            }
            catch (Exception e) when (e is ArgumentException or UsageException)
            {
                output.Error("usage", e.Message);
                return ExitCodes.BadInput;
            }
            var verbose = p.GetValue(common.Verbose);
            GatewayClient client;
            try
            {
                client = await GatewayClient.ConnectAsync(new GatewayOptions
                {
                    Seeds = common.SeedNodesFrom(p),
                    Hostname = p.GetValue(common.Hostname) ?? "127.0.0.1",
                    Port = p.GetValue(common.Port),
                    JoinTimeout = TimeSpan.FromSeconds(60),
                    LogLevel = verbose ? LogLevel.Information : LogLevel.Error,
                    Tls = common.TlsFrom(p),
                }, ct);
            }
            catch (ClusterTlsException e)
            {
                output.Error("usage", $"TLS: {e.Message}");
                return ExitCodes.BadInput;
            }
            catch (TimeoutException e)
            {
                output.Error("unreachable", e.Message);
                return ExitCodes.Unreachable;
            }
            catch (ArgumentException e)
            {
                output.Error("usage", e.Message);
                return ExitCodes.BadInput;
            }
            catch (Exception e)
            {
                return ClusterCommandOptions.JoinFailed(output, e, ct);
            }
            await using (client)
            {
                WebApplication app;
                try { app = HttpServer.Build(client, store, options, verbose ? LogLevel.Information : LogLevel.Warning); }
                catch (ArgumentException e)
                {
                    output.Error("usage", e.Message);
                    return ExitCodes.BadInput;
                }
                await using (app)
                {
                    try { await app.StartAsync(ct); }
                    catch (IOException e) // taken between the check above and the bind
                    {
                        output.Error("usage", $"--urls: {e.Message}");
                        return ExitCodes.BadInput;
                    }
                    foreach (var url in HttpServer.BoundUrls(app)) Console.WriteLine($"serving on {url}");
                    Console.WriteLine($"{store.Keys.Count} API key(s) loaded; /v2/health/* and the dashboard page answer without a key, "
                        + "every data endpoint needs one");
                    if (options.ApiKeysFile is { } followed)
                        Console.WriteLine($"API keys: {followed} is followed (keys added or revoked there apply within about a second)");
                    Console.WriteLine(options.LocalCopies == 0 ? "local copies: off (every infer goes to the cluster)"
                        : $"local copies: up to {options.LocalCopies} label(s), answering infers of at most {options.LocalCopyRows:N0} rows");
                    Console.WriteLine(options.JobsDirectory is null ? "training jobs: in memory only (--jobs-dir keeps them across restarts)"
                        : $"training jobs: kept in {options.JobsDirectory}");
                    // Stopped by its operator (SIGTERM, Ctrl-C), or by its cluster membership ending: a gateway the cluster
                    // downed (unreachable for too long: a pause, a partition) cannot join again, so the service stops and
                    // exits non-zero for a supervisor to start it anew, rather than answer 503 forever.
                    var stopping = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
                    using var onStop = app.Lifetime.ApplicationStopping.Register(() => stopping.TrySetResult(true));
                    using var onCancel = ct.Register(() => stopping.TrySetResult(true));
                    client.WhenStopped(() => stopping.TrySetResult(false));
                    var byOperator = await stopping.Task;
                    var reason = byOperator ? null : client.RemovalText;
                    await app.StopAsync(CancellationToken.None);
                    if (reason is not null)
                    {
                        output.Error("unreachable", reason + "; " + (options.JobsDirectory is null
                            ? "its training jobs were kept in memory only"
                            : "its unfinished training jobs are submitted again when serve starts again"));
                        return ExitCodes.Unreachable;
                    }
                }
            }
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command KeysCommand()
    {
        var id = new Option<string>("--id") { Description = "Key name (shown in the audit trail as key:NAME)", Required = true };
        var scopes = new Option<string>("--scopes") { Description = $"Comma-separated: {string.Join(", ", ApiScope.All)}", Required = true };
        var labels = new Option<string>("--labels")
        { Description = "Labels the key may use: comma-separated globs, e.g. 'web-*'", DefaultValueFactory = _ => "*" };
        var file = new Option<string>("--file") { Description = "Key file to add to (created 0600 when missing)", Required = true };
        var rate = new Option<int?>("--rate-limit") { Description = "This key's own requests per second (default: the server's --rate-limit)" };
        var add = new Command("add", "Create an API key: stores its SHA-256 in the file and prints the secret once.");
        foreach (var o in new Option[] { id, scopes, labels, file, rate }) add.Options.Add(o);
        add.SetAction(p =>
        {
            try
            {
                var name = p.GetValue(id)!.Trim();
                if (name.Length == 0 || name.Any(char.IsWhiteSpace)) throw new ArgumentException("--id: a non-empty name without spaces");
                // A blank pattern (an unset shell variable) would read as every label; a negative limit would make the file
                // unreadable to `serve`, and every later revoke with it.
                var pattern = p.GetValue(labels) ?? "*";
                if (string.IsNullOrWhiteSpace(pattern)) throw new ArgumentException("--labels: empty; give a pattern ('*' for every label)");
                if (p.GetValue(rate) is < 0) throw new ArgumentException($"--rate-limit: must be >= 0, got {p.GetValue(rate)}");
                var secret = ApiKeyStore.AddToFile(p.GetValue(file)!, name, ApiScope.Parse(p.GetValue(scopes)!), pattern, p.GetValue(rate));
                Console.Error.WriteLine($"key '{name}' added to {p.GetValue(file)}; its secret follows, shown this once only:");
                Console.WriteLine(secret);
                return ExitCodes.Ok;
            }
            catch (Exception e) when (e is ArgumentException or IOException or UnauthorizedAccessException)
            {
                new Output(false).Error("usage", e.Message);
                return ExitCodes.BadInput;
            }
        });
        var keys = new Command("keys", "Manage the API keys of `serve` (a running `serve` applies changes within about a second).");
        keys.Subcommands.Add(add);
        keys.Subcommands.Add(RevokeCommand());
        return keys;
    }

    private static Command RevokeCommand()
    {
        var id = new Option<string>("--id") { Description = "Name of the key to revoke", Required = true };
        var file = new Option<string>("--file") { Description = "Key file to remove it from", Required = true };
        var revoke = new Command("revoke", "Revoke an API key: removes it from the file; a running `serve` refuses it within about a second.");
        revoke.Options.Add(id);
        revoke.Options.Add(file);
        revoke.SetAction(p =>
        {
            try
            {
                var name = p.GetValue(id)!.Trim();
                ApiKeyStore.RemoveFromFile(p.GetValue(file)!, name);
                Console.Error.WriteLine($"key '{name}' revoked: removed from {p.GetValue(file)}");
                return ExitCodes.Ok;
            }
            catch (Exception e) when (e is ArgumentException or IOException or UnauthorizedAccessException)
            {
                new Output(false).Error("usage", e.Message);
                return ExitCodes.BadInput;
            }
        });
        return revoke;
    }

    /// <summary>The jobs folder is created and written before anything starts: beside a key file on a read-only mount (a
    /// mounted secret) it cannot be, and that is a usage error naming the option, not a crash at the first job.</summary>
    private static void CheckWritable(string folder)
    {
        try
        {
            Directory.CreateDirectory(folder);
            var probe = Path.Combine(folder, $".write-check-{Environment.ProcessId}");
            File.WriteAllBytes(probe, []);
            File.Delete(probe);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ArgumentException($"--jobs-dir: '{folder}' cannot be written ({e.Message}); pass a writable folder "
                + "(by default it is serve-jobs beside the --api-keys file)");
        }
    }

    /// <summary>The largest <c>--max-body</c>: a body is read whole into one array, whose length is an int, and its buffer
    /// grows by doubling.</summary>
    internal const long MaxBodyLimit = 1L << 30;

    /// <summary>"8MB", "512KB", "1048576" -> bytes, refused above <paramref name="max"/>, naming <paramref name="option"/>.</summary>
    internal static long ParseBytes(string raw, string option = "--max-body", long max = long.MaxValue)
    {
        var text = raw.Trim().ToUpperInvariant();
        (string Unit, long Factor)[] units = [("GB", 1L << 30), ("MB", 1L << 20), ("KB", 1L << 10), ("B", 1)];
        long? bytes = null;
        foreach (var (unit, factor) in units)
            if (text.EndsWith(unit, StringComparison.Ordinal)
                && double.TryParse(text[..^unit.Length], NumberStyles.Float, CultureInfo.InvariantCulture, out var n) && n > 0)
            {
                bytes = n * factor >= long.MaxValue ? long.MaxValue : (long)(n * factor);
                break;
            }
        if (bytes is null && long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var plain) && plain > 0) bytes = plain;
        if (bytes is not { } size) throw new ArgumentException($"{option}: '{raw}' is not a size (e.g. 8MB, 512KB)");
        if (size > max) throw new ArgumentException($"{option}: '{raw}' is more than the most this reads whole ({max} bytes, {max >> 20}MB)");
        return size;
    }
}
