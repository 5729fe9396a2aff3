using AntiNex.Observability;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;

namespace AntiNex.Node.Observability;

/// <summary>
/// Settings of section "Telemetry" (appsettings.json, env ANTINEX_Telemetry__..., or command line --Telemetry:...).
/// Exporters: console (off by default), OTLP (on when OTEL_EXPORTER_OTLP_ENDPOINT or Telemetry:OtlpEndpoint is set),
/// Prometheus scrape endpoint (on when Telemetry:PrometheusPort > 0).
/// </summary>
public sealed class TelemetryOptions
{
    public const string Section = "Telemetry";

    /// <summary>Print the metrics to the console every <see cref="ConsoleIntervalSeconds"/> (noisy: for trying things out).</summary>
    public bool Console { get; set; }
    public int ConsoleIntervalSeconds { get; set; } = 30;
    /// <summary>OTLP endpoint (e.g. http://collector:4317); the standard OTEL_EXPORTER_OTLP_* variables work as well.</summary>
    public string? OtlpEndpoint { get; set; }
    /// <summary>Port of the Prometheus scrape endpoint (http://host:PORT/metrics); 0 = off.</summary>
    public int PrometheusPort { get; set; }
    /// <summary>Host part of the Prometheus listener prefix: loopback by default, so only processes on the node's own
    /// machine (a local agent, a sidecar) can read the metrics; "*" (all interfaces) or an IP must be asked for.</summary>
    public string PrometheusHost { get; set; } = "127.0.0.1";
    /// <summary>Also export the runtime's own meter (GC, thread pool, CPU): "System.Runtime".</summary>
    public bool RuntimeMetrics { get; set; } = true;
    /// <summary>service.name of the exported resource.</summary>
    public string ServiceName { get; set; } = "antinex-node";
}

public static class TelemetrySetup
{
    /// <summary>
    /// Registers OpenTelemetry metrics for the "AntiNex" meter (predict latency, training, model residency...) with
    /// the exporters the configuration turns on. With none turned on, nothing is exported and the cost is nil.
    /// </summary>
    public static IServiceCollection AddAntiNexTelemetry(this IServiceCollection services, IConfiguration configuration)
    {
        var options = new TelemetryOptions();
        // A value that does not read (PrometheusPort=abc) names its setting, as every other setting does: no stack trace.
        try { configuration.GetSection(TelemetryOptions.Section).Bind(options); }
        catch (InvalidOperationException e) { throw new ArgumentException($"Telemetry: {e.Message}", e); }
        if (options.PrometheusPort is < 0 or > 65535)
            throw new ArgumentException($"Telemetry:PrometheusPort: {options.PrometheusPort} is not a port (0 = off)");
        var fromEnvironment = Environment.GetEnvironmentVariable("OTEL_EXPORTER_OTLP_ENDPOINT");
        // Set in code only when it does not come from the OTEL_* variables, which the exporter reads itself.
        var inCode = options.OtlpEndpoint ?? (string.IsNullOrWhiteSpace(fromEnvironment) ? configuration["OTEL_EXPORTER_OTLP_ENDPOINT"] : null);
        if (!string.IsNullOrWhiteSpace(inCode) && !Uri.TryCreate(inCode, UriKind.Absolute, out _))
            throw new ArgumentException($"Telemetry:OtlpEndpoint: '{inCode}' is not an absolute URL (e.g. http://collector:4317)");
        bool otlp = !string.IsNullOrWhiteSpace(inCode) || !string.IsNullOrWhiteSpace(fromEnvironment)
                    || !string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable("OTEL_EXPORTER_OTLP_METRICS_ENDPOINT"));
        if (!options.Console && !otlp && options.PrometheusPort <= 0) return services;

        services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(options.ServiceName,
                serviceInstanceId: $"{Environment.MachineName}-{Environment.ProcessId}"))
            .WithMetrics(metrics =>
            {
                metrics.AddMeter(AntiNexMetrics.MeterName);
                if (options.RuntimeMetrics) metrics.AddMeter("System.Runtime");
                // Latency buckets suited to sub-millisecond predicts and multi-second trainings.
                metrics.AddView("antinex.predict.duration", new ExplicitBucketHistogramConfiguration
                { Boundaries = [0.1, 0.25, 0.5, 1, 2, 5, 10, 25, 50, 100, 250, 1000] });
                metrics.AddView("antinex.train.duration", new ExplicitBucketHistogramConfiguration
                { Boundaries = [0.5, 1, 2, 5, 10, 30, 60, 120, 300, 600, 1800] });

                if (options.Console)
                    metrics.AddConsoleExporter((_, reader) =>
                        reader.PeriodicExportingMetricReaderOptions.ExportIntervalMilliseconds =
                            Math.Max(1, options.ConsoleIntervalSeconds) * 1000);
                // Only our own setting is set in code: the OTEL_* variables are left to the exporter, which appends
                // /v1/metrics for http/protobuf and honours OTEL_EXPORTER_OTLP_METRICS_ENDPOINT only when no endpoint is set here.
                if (otlp)
                    metrics.AddOtlpExporter(exporter =>
                    {
                        if (!string.IsNullOrWhiteSpace(inCode)) exporter.Endpoint = new Uri(inCode);
                    });
                if (options.PrometheusPort > 0)
                    metrics.AddPrometheusHttpListener(listener =>
                    {
                        listener.Port = options.PrometheusPort;
                        bool anyHost = options.PrometheusHost is "*" or "+" or "0.0.0.0";
                        listener.Host = anyHost ? "localhost" : options.PrometheusHost;
                        // The options validate Host as a URI host, which rules out the wildcard that a container
                        // needs; rewrite the listener's own prefixes instead.
                        if (anyHost)
                            listener.ConfigureHttpListener = (_, http) =>
                            {
                                var prefixes = http.Prefixes.Select(p => p.Replace("://localhost:", "://*:")).ToList();
                                http.Prefixes.Clear();
                                foreach (var prefix in prefixes) http.Prefixes.Add(prefix);
                            };
                    });
            });
        return services;
    }
}
