using AntiNex.Node.Observability;
using AntiNex.Observability;
using AntiNex.Tests.Infrastructure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace AntiNex.Tests.Observability;

public class TelemetrySetupTests
{
    private static IHost Host(Dictionary<string, string?> settings)
    {
        var builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Services.AddAntiNexTelemetry(builder.Configuration);
        return builder.Build();
    }

    [Fact]
    public async Task The_prometheus_endpoint_serves_antinex_metrics_when_a_port_is_set()
    {
        var (host, port) = await FreePorts.StartAsync(async port =>
        {
            var started = Host(new() { ["Telemetry:PrometheusPort"] = port.ToString() });
            try { await started.StartAsync(); }
            catch { started.Dispose(); throw; }
            return (started, port);
        });
        using var _ = host;
        try
        {
            AntiNexMetrics.RecordPredict("prometheus-probe", 0.7);
            AntiNexMetrics.ModelLoaded();
            AntiNexMetrics.ModelUnloaded(evicted: false);
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
            string body = "";
            for (int attempt = 0; attempt < 20 && !body.Contains("antinex_predict_duration"); attempt++)
            {
                body = await http.GetStringAsync($"http://127.0.0.1:{port}/metrics");
                if (!body.Contains("antinex_predict_duration")) await Task.Delay(200);
            }
            Assert.Contains("antinex_predict_duration", body);
            Assert.Contains("model=\"prometheus-probe\"", body);
            Assert.Contains("antinex_models_loaded", body);
        }
        finally { await host.StopAsync(); }
    }

    [Fact]
    public void Nothing_is_registered_when_no_exporter_is_turned_on()
    {
        var services = new ServiceCollection();
        services.AddAntiNexTelemetry(new ConfigurationBuilder().Build());
        if (Environment.GetEnvironmentVariable("OTEL_EXPORTER_OTLP_ENDPOINT") is null)
            Assert.Empty(services);
    }
}
