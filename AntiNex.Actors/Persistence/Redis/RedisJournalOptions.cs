using System.Text;
using Akka.Configuration;
using Akka.Hosting;
using Akka.Persistence.Hosting;

namespace AntiNex.Persistence.Redis;

/// <summary>Akka.Hosting options of the Redis journal (rendered to <c>akka.persistence.journal.&lt;Identifier&gt;</c>).</summary>
public sealed class RedisJournalOptions(bool isDefaultPlugin = true, string identifier = "redis") : JournalOptions(isDefaultPlugin)
{
    public override string Identifier { get; set; } = identifier;
    /// <summary>StackExchange.Redis configuration string (password/user/ssl go here; never logged).</summary>
    public string ConfigurationString { get; set; } = "localhost:6379";
    public string KeyPrefix { get; set; } = "antinex:";
    /// <summary>-1 = the configuration string's defaultDatabase, else 0.</summary>
    public int Database { get; set; } = -1;
    public TimeSpan OperationTimeout { get; set; } = TimeSpan.FromSeconds(10);
    /// <summary>CA certificate file to trust for TLS with a private CA; empty = system trust store.</summary>
    public string TlsCaCertificate { get; set; } = "";
    public int ReplayPageSize { get; set; } = 1000;
    /// <summary>Failed calls in a row that open the circuit breaker (every call then fails at once).</summary>
    public int CircuitBreakerMaxFailures { get; set; } = 10;
    /// <summary>Longest write or replay call.</summary>
    public TimeSpan CallTimeout { get; set; } = TimeSpan.FromSeconds(10);
    /// <summary>How long an open circuit refuses calls before one probes Redis again: a label stores again at most this
    /// long after Redis is back (Akka's default is 30 s).</summary>
    public TimeSpan ResetTimeout { get; set; } = TimeSpan.FromSeconds(2);
    /// <summary>HMAC-SHA256 key file: sign every written event, verify every replayed one; empty = no signing.</summary>
    public string SigningKeyFile { get; set; } = "";
    /// <summary>Earlier keys still accepted when verifying (rotation).</summary>
    public IReadOnlyList<string> PreviousSigningKeyFiles { get; set; } = [];
    /// <summary>With a key: still replay events stored unsigned (migration).</summary>
    public bool AllowUnsigned { get; set; }

    protected override Config InternalDefaultConfig => RedisPersistenceConfig.DefaultConfig();

    protected override StringBuilder Build(StringBuilder sb)
    {
        sb.AppendLine($"class = {RedisPersistenceConfig.ClassName(typeof(RedisJournal)).ToHocon()}");
        RedisOptionsHocon.AppendCommon(sb, ConfigurationString, KeyPrefix, Database, OperationTimeout, TlsCaCertificate);
        sb.AppendLine($"replay-page-size = {ReplayPageSize.ToHocon()}");
        RedisOptionsHocon.AppendCircuitBreaker(sb, CircuitBreakerMaxFailures, CallTimeout, ResetTimeout);
        RedisOptionsHocon.AppendSigning(sb, SigningKeyFile, PreviousSigningKeyFiles, AllowUnsigned);
        return base.Build(sb);
    }
}
