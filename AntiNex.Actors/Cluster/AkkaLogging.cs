using Akka.Hosting;
using Microsoft.Extensions.Logging;

namespace AntiNex.Cluster;

/// <summary>Routes Akka's log events into Microsoft.Extensions.Logging at the matching level (nodes and gateway alike).</summary>
public static class AkkaLogging
{
    public static AkkaConfigurationBuilder WithAntiNexLogging(this AkkaConfigurationBuilder akka, LogLevel level) =>
        akka.ConfigureLoggers(l =>
        {
            l.LogLevel = level switch
            {
                LogLevel.Trace or LogLevel.Debug => Akka.Event.LogLevel.DebugLevel,
                LogLevel.Information => Akka.Event.LogLevel.InfoLevel,
                LogLevel.Warning => Akka.Event.LogLevel.WarningLevel,
                _ => Akka.Event.LogLevel.ErrorLevel,
            };
            l.ClearLoggers();
            l.AddLoggerFactory();
        });
}
