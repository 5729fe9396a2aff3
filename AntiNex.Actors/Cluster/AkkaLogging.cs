using Akka.Actor;
using Akka.Event;
using Akka.Hosting;
using Akka.Hosting.Logging;
using Microsoft.Extensions.Logging;
using LogLevel = Microsoft.Extensions.Logging.LogLevel;

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
            l.AddLogger<AntiNexAkkaLogger>();
        });
}

/// <summary>
/// Akka.Hosting's sink into Microsoft.Extensions.Logging, with one change: a peer that closed its connection (every
/// console gateway does when its command ends; a node that stops) makes Akka.Remote log an error with a stack trace
/// ("Disassociated") and a warning carrying the same trace. Both become one information line: whether the peer left on
/// purpose or was lost, the cluster's membership and reachability lines say. Every other error and warning is unchanged.
/// </summary>
public sealed class AntiNexAkkaLogger : LoggerFactoryLogger
{
    internal const string DisassociatedText = "Disassociated: the remote member closed the connection (it left, stopped or was lost; " +
                                              "the cluster's membership and reachability lines say which)";

    protected override void Log(LogEvent log, ActorPath path) => base.Log(Quieted(log) ?? log, path);

    /// <summary>The information line that replaces <paramref name="log"/>, or null when it stays as it is.</summary>
    internal static LogEvent? Quieted(LogEvent log)
    {
        var disassociated = log switch
        {
            Error e => IsDisassociation(e.Cause),
            Warning w => IsDisassociation(w.Cause) || (w.Message is LogMessage m && m.Parameters().Any(IsDisassociation)),
            _ => false,
        };
        return disassociated ? new Info(log.LogSource, log.LogClass, DisassociatedText) : null;
    }

    // Akka.Remote keeps the type internal: known by its name.
    private static bool IsDisassociation(object? e) => e?.GetType().FullName == "Akka.Remote.EndpointDisassociatedException";
}
