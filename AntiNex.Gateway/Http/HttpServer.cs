// The HTTP service's host: Kestrel on the checked addresses (TLS when asked), bounded bodies, API-key authentication,
// a rate limiter per key, then the endpoint groups: Open Inference Protocol v2, the AntiNex API and the OpenAPI document.
using System.Security.Cryptography.X509Certificates;
using System.Threading.RateLimiting;
using AntiNex.Gateway.Cluster;
using AntiNex.Gateway.Http.Api;
using AntiNex.Gateway.Http.Auth;
using AntiNex.Gateway.Http.Inference;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace AntiNex.Gateway.Http;

public static class HttpServer
{
    /// <summary>How often the key file is looked at without a request (a request looks at it at most once a second).</summary>
    private static readonly TimeSpan KeyCheckEvery = TimeSpan.FromSeconds(2);

    /// <summary>Builds the web application around a connected gateway. Throws ArgumentException for bad settings.</summary>
    public static WebApplication Build(GatewayClient gateway, ApiKeyStore keys, HttpServeOptions options, LogLevel logLevel)
    {
        var addresses = ListenAddress.ParseAll(options);
        var certificate = options.HttpsCertificateFile is null ? null : LoadCertificate(options);
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [] });
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(logLevel);
        builder.Services.Configure<Microsoft.Extensions.Logging.Console.ConsoleLoggerOptions>(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.AddServerHeader = false;
            // Only the addresses checked above: endpoints from configuration (a "Kestrel" section in appsettings.json or
            // Kestrel__Endpoints__* variables) would listen beside them, unchecked, plain http on any interface included.
            k.Configure(new ConfigurationBuilder().Build(), reloadOnChange: false);
            k.Limits.MaxRequestBodySize = options.MaxBodyBytes;
            foreach (var a in addresses)
                k.Listen(a.Address, a.Port, listen => { if (a.Https) listen.UseHttps(certificate!); });
        });
        // ANTINEX_HTTP_INLINE=1 runs request handlers on the socket's own I/O thread instead of hopping to the thread pool
        // (a single-row infer is tens of microseconds of work; large local predicts still move to the pool). Off by
        // default: on a loaded machine a descheduled I/O thread stalls all its connections, and p99 suffered.
        if (Environment.GetEnvironmentVariable("ANTINEX_HTTP_INLINE") is "1")
            builder.WebHost.UseSockets(o => o.UnsafePreferInlineScheduling = true);
        builder.Services.ConfigureHttpJsonOptions(o => HttpJson.Configure(o.SerializerOptions));
        ErrorMiddleware.ThrowBindingFailures(builder.Services);
        builder.Services.AddSingleton(gateway);
        builder.Services.AddSingleton(sp => new LiveApiKeys(keys, options.ApiKeysFile, sp.GetRequiredService<ILogger<LiveApiKeys>>()));
        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton<ModelMetadataCache>();
        builder.Services.AddSingleton(sp => new Local.LocalModelCopies(gateway.Copies, gateway.Frame, options.LocalCopies,
            $"{Akka.Cluster.Cluster.Get(gateway.System).SelfAddress.HostPort()} (serve's local copy)",
            sp.GetRequiredService<ILogger<Local.LocalModelCopies>>()));
        if (options.JobsDirectory is { } jobsDirectory)
            builder.Services.AddSingleton(sp => new JobStore(jobsDirectory, options.JobsTimeToLive, sp.GetRequiredService<ILogger<JobStore>>()));
        builder.Services.AddSingleton(sp => new TrainingJobs(gateway, options, sp.GetService<JobStore>(),
            sp.GetService<ILoggerFactory>()?.CreateLogger<TrainingJobs>()));
        // Decided on the keys at start: a key with its own limit added later, while no limit exists at all, waits for a restart.
        var limited = options.RateLimit > 0 || keys.Keys.Any(k => k.RateLimit > 0);
        if (limited) builder.Services.AddRateLimiter(r => ConfigureRateLimits(r, options));
        builder.Services.AddAntiNexOpenApi();

        var app = builder.Build();
        var liveKeys = app.Services.GetRequiredService<LiveApiKeys>();
        var jobs = app.Services.GetRequiredService<TrainingJobs>();
        var resumed = jobs.Resume(liveKeys.Current);
        if (resumed > 0) app.Logger.LogWarning("{Count} training job(s) that ran when the service stopped were submitted again", resumed);
        // A key revoked while the service runs ends its jobs' trainings as a restart would; the file is looked at every few
        // seconds even when no request comes to do it.
        liveKeys.Changed += keysNow => jobs.CancelRevoked(keysNow);
        var keyCheck = new Timer(_ => _ = liveKeys.Current, null, KeyCheckEvery, KeyCheckEvery);
        app.Lifetime.ApplicationStopping.Register(() => keyCheck.Dispose());
        app.UseMiddleware<ErrorMiddleware>();
        app.UseMiddleware<DotSegmentMiddleware>();
        app.UseRouting();
        app.UseMiddleware<ApiKeyMiddleware>();
        if (limited) app.UseRateLimiter(); // no limit anywhere: not even a no-op lease per request
        // The document needs a key with `read`, like every other description of the service (see README).
        app.MapOpenApi(OpenApiDocument.Path).RequireScope(ApiScope.Read);
        InferenceEndpoints.Map(app);
        AntiNexEndpoints.Map(app);
        Dashboard.DashboardEndpoints.MapDashboard(app);
        return app;
    }

    /// <summary>The URLs Kestrel actually listens on (port 0 resolved).</summary>
    public static IReadOnlyList<string> BoundUrls(WebApplication app)
        => app.Services.GetRequiredService<Microsoft.AspNetCore.Hosting.Server.IServer>().Features.Get<IServerAddressesFeature>()
            ?.Addresses.ToList() ?? [];

    private static void ConfigureRateLimits(RateLimiterOptions r, HttpServeOptions options)
    {
        // One partition name per key, made once (not per request); keys read again from the file get theirs on first use.
        var partitions = new System.Runtime.CompilerServices.ConditionalWeakTable<ApiKey, Tuple<string, int>>();
        r.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(context =>
        {
            // Only authenticated requests are limited (per key); health probes and refusals are cheap and keyless.
            if (context.Items[typeof(ApiKey)] is not ApiKey key) return RateLimitPartition.GetNoLimiter("anonymous");
            var (name, limit) = partitions.GetValue(key,
                k => Tuple.Create($"key:{k.Id}:{k.RateLimit ?? options.RateLimit}", k.RateLimit ?? options.RateLimit));
            if (limit <= 0) return RateLimitPartition.GetNoLimiter(name);
            return RateLimitPartition.GetFixedWindowLimiter(name, _ => new FixedWindowRateLimiterOptions
            {
                PermitLimit = limit,
                Window = TimeSpan.FromSeconds(1),
                QueueLimit = 0,
            });
        });
        r.OnRejected = async (rejected, ct) =>
        {
            var seconds = rejected.Lease.TryGetMetadata(MetadataName.RetryAfter, out var after)
                ? Math.Max(1, (int)Math.Ceiling(after.TotalSeconds)) : 1;
            rejected.HttpContext.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
            var id = (rejected.HttpContext.Items[typeof(ApiKey)] as ApiKey)?.Id;
            await ApiErrors.Write(rejected.HttpContext, StatusCodes.Status429TooManyRequests,
                $"rate limit of API key '{id}' exceeded: retry after {seconds} s", "rate-limited");
        };
    }

    private static X509Certificate2 LoadCertificate(HttpServeOptions options)
    {
        var path = options.HttpsCertificateFile!;
        if (!File.Exists(path)) throw new ArgumentException($"--https-certificate: '{path}' does not exist");
        string? password = null;
        if (options.HttpsPasswordFile is { } pf)
        {
            if (!File.Exists(pf)) throw new ArgumentException($"--https-password-file: '{pf}' does not exist");
            password = File.ReadAllText(pf).TrimEnd('\r', '\n');
        }
        try
        {
            var text = File.ReadAllText(path);
            if (!text.Contains("-----BEGIN", StringComparison.Ordinal))
                return X509CertificateLoader.LoadPkcs12FromFile(path, password);
            var keyFile = options.HttpsKeyFile ?? path;
            using var pem = password is null ? X509Certificate2.CreateFromPemFile(path, keyFile)
                : X509Certificate2.CreateFromEncryptedPemFile(path, password, keyFile);
            // Kestrel on Linux needs the key in an exportable PKCS#12 form, not an ephemeral PEM key.
            return X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
        }
        catch (System.Security.Cryptography.CryptographicException e)
        {
            throw new ArgumentException($"--https-certificate: '{path}' cannot be loaded: {e.Message}");
        }
    }
}
