using System.Text;
using Akka.Configuration;
using Akka.Hosting;
using Akka.Persistence.Hosting;

namespace AntiNex.Persistence.Redis;

/// <summary>Akka.Hosting options of the Redis snapshot store (rendered to <c>akka.persistence.snapshot-store.&lt;Identifier&gt;</c>).</summary>
public sealed class RedisSnapshotOptions(bool isDefaultPlugin = true, string identifier = "redis") : SnapshotOptions(isDefaultPlugin)
{
    public override string Identifier { get; set; } = identifier;
    public string ConfigurationString { get; set; } = "localhost:6379";
    public string KeyPrefix { get; set; } = "antinex:";
    public int Database { get; set; } = -1;
    public TimeSpan OperationTimeout { get; set; } = TimeSpan.FromSeconds(10);
    /// <summary>CA certificate file to trust for TLS with a private CA; empty = system trust store.</summary>
    public string TlsCaCertificate { get; set; } = "";
    /// <summary>Snapshot payload piece size in bytes (default 4 MiB).</summary>
    public int ChunkSize { get; set; } = 4 * 1024 * 1024;
    public int ParallelChunks { get; set; } = 4;
    /// <summary>Circuit-breaker call timeout of one save/load/delete; large models need more than Akka's 20 s default.</summary>
    public TimeSpan CallTimeout { get; set; } = TimeSpan.FromSeconds(120);
    /// <summary>Failed calls in a row that open the circuit breaker (every call then fails at once).</summary>
    public int CircuitBreakerMaxFailures { get; set; } = 10;
    /// <summary>How long an open circuit refuses calls before one probes Redis again: a label loads and stores again at
    /// most this long after Redis is back (Akka's default is 60 s).</summary>
    public TimeSpan ResetTimeout { get; set; } = TimeSpan.FromSeconds(2);
    /// <summary>HMAC-SHA256 key file: sign every saved snapshot, verify every load; empty = no signing.</summary>
    public string SigningKeyFile { get; set; } = "";
    /// <summary>Earlier keys still accepted when verifying (rotation).</summary>
    public IReadOnlyList<string> PreviousSigningKeyFiles { get; set; } = [];
    /// <summary>With a key: still load snapshots stored unsigned (migration).</summary>
    public bool AllowUnsigned { get; set; }

    protected override Config InternalDefaultConfig => RedisPersistenceConfig.DefaultConfig();

    protected override StringBuilder Build(StringBuilder sb)
    {
        sb.AppendLine($"class = {RedisPersistenceConfig.ClassName(typeof(RedisSnapshotStore)).ToHocon()}");
        RedisOptionsHocon.AppendCommon(sb, ConfigurationString, KeyPrefix, Database, OperationTimeout, TlsCaCertificate);
        sb.AppendLine($"chunk-size = {ChunkSize.ToHocon()}b");
        sb.AppendLine($"parallel-chunks = {ParallelChunks.ToHocon()}");
        RedisOptionsHocon.AppendCircuitBreaker(sb, CircuitBreakerMaxFailures, CallTimeout, ResetTimeout);
        RedisOptionsHocon.AppendSigning(sb, SigningKeyFile, PreviousSigningKeyFiles, AllowUnsigned);
        return base.Build(sb);
    }
}
