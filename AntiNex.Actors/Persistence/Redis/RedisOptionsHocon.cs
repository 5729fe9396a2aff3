using System.Text;
using Akka.Hosting;

namespace AntiNex.Persistence.Redis;

/// <summary>The keys both plugin sections share, rendered by <see cref="RedisJournalOptions"/> and <see cref="RedisSnapshotOptions"/>.</summary>
internal static class RedisOptionsHocon
{
    public static void AppendCommon(StringBuilder sb, string configurationString, string keyPrefix, int database, TimeSpan operationTimeout,
        string tlsCaCertificate)
    {
        sb.AppendLine($"tls-ca-certificate = {tlsCaCertificate.ToHocon()}");
        sb.AppendLine($"configuration-string = {configurationString.ToHocon()}");
        sb.AppendLine($"key-prefix = {keyPrefix.ToHocon()}");
        sb.AppendLine($"database = {database.ToHocon()}");
        sb.AppendLine($"operation-timeout = {operationTimeout.ToHocon()}");
        sb.AppendLine("plugin-dispatcher = \"akka.actor.default-dispatcher\"");
    }

    /// <summary>The plugin's circuit breaker: how many failed calls open it, how long one call may take, how soon it probes again.</summary>
    public static void AppendCircuitBreaker(StringBuilder sb, int maxFailures, TimeSpan callTimeout, TimeSpan resetTimeout)
    {
        sb.AppendLine($"circuit-breaker.max-failures = {maxFailures.ToHocon()}");
        sb.AppendLine($"circuit-breaker.call-timeout = {callTimeout.ToHocon()}");
        sb.AppendLine($"circuit-breaker.reset-timeout = {resetTimeout.ToHocon()}");
    }

    /// <summary>The signing key, earlier keys still accepted, and whether unsigned records are still read.</summary>
    public static void AppendSigning(StringBuilder sb, string keyFile, IReadOnlyList<string> previousKeyFiles, bool allowUnsigned)
    {
        sb.AppendLine($"signing-key-file = {keyFile.ToHocon()}");
        sb.AppendLine($"previous-signing-key-files = [{string.Join(", ", previousKeyFiles.Select(f => f.ToHocon()))}]");
        sb.AppendLine($"allow-unsigned = {allowUnsigned.ToHocon()}");
    }
}
