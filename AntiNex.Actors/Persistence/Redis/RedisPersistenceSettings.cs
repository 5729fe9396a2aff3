using Akka.Configuration;
using StackExchange.Redis;

namespace AntiNex.Persistence.Redis;

/// <summary>
/// Settings of one Redis journal or snapshot-store plugin section, read from HOCON.
/// Every key, its default and its meaning is documented in <see cref="RedisPersistenceConfig.Reference"/>:
/// <list type="bullet">
/// <item><c>configuration-string</c>: StackExchange.Redis configuration string (endpoints, <c>password=</c>, <c>user=</c>, <c>ssl=true</c>,
/// <c>defaultDatabase=</c>...).</item>
/// <item><c>key-prefix</c>: prefix of every key (default <c>antinex:</c>); must not contain <c>{</c> or <c>}</c>.</item>
/// <item><c>database</c>: database number, -1 = the connection string's <c>defaultDatabase</c> (else 0).</item>
/// <item><c>operation-timeout</c>: StackExchange.Redis sync/async timeout unless the connection string sets one.</item>
/// <item><c>connect-timeout</c>: connect timeout unless the connection string sets one.</item>
/// <item><c>fail-fast-when-disconnected</c>: commands fail at once while disconnected instead of queueing.</item>
/// <item><c>replay-page-size</c> (journal): events fetched per round trip during replay.</item>
/// <item><c>tls-ca-certificate</c>: CA file to trust for TLS (private CA); empty = system trust store.</item>
/// <item><c>chunk-size</c>, <c>parallel-chunks</c> (snapshot store): payload piece size and pieces in flight.</item>
/// <item><c>signing-key-file</c>, <c>previous-signing-key-files</c>, <c>allow-unsigned</c>: HMAC signing of snapshots (snapshot
/// store) and events (journal).</item>
/// </list>
/// </summary>
public sealed record RedisPersistenceSettings
{
    public required string ConfigurationString { get; init; }
    public string KeyPrefix { get; init; } = "antinex:";
    public int Database { get; init; } = -1;
    public TimeSpan OperationTimeout { get; init; } = TimeSpan.FromSeconds(10);
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(5);
    public bool FailFastWhenDisconnected { get; init; } = true;
    public int ReplayPageSize { get; init; } = 1000;
    public int ChunkSize { get; init; } = 4 * 1024 * 1024;
    public int ParallelChunks { get; init; } = 4;
    /// <summary>PEM/CRT file of a private CA to trust for TLS (<c>ssl=true</c>); empty = the system trust store.</summary>
    public string TlsCaCertificate { get; init; } = "";
    /// <summary>File holding the HMAC-SHA256 key that signs every saved snapshot or written event and verifies every load or
    /// replay; empty = neither signed nor verified.</summary>
    public string SigningKeyFile { get; init; } = "";
    /// <summary>Keys still accepted when verifying (key rotation); never used to sign.</summary>
    public IReadOnlyList<string> PreviousSigningKeyFiles { get; init; } = [];
    /// <summary>With a key: also load snapshots and replay events stored without a signature (migration).</summary>
    public bool AllowUnsigned { get; init; }

    /// <summary>Reads a plugin section (e.g. <c>akka.persistence.journal.redis</c>); missing keys take their defaults.</summary>
    public static RedisPersistenceSettings FromConfig(Config config)
    {
        var defaults = new RedisPersistenceSettings { ConfigurationString = "" };
        var settings = new RedisPersistenceSettings
        {
            ConfigurationString = config.GetString("configuration-string", ""),
            KeyPrefix = config.GetString("key-prefix", defaults.KeyPrefix),
            Database = config.GetInt("database", defaults.Database),
            OperationTimeout = config.GetTimeSpan("operation-timeout", defaults.OperationTimeout),
            ConnectTimeout = config.GetTimeSpan("connect-timeout", defaults.ConnectTimeout),
            FailFastWhenDisconnected = config.GetBoolean("fail-fast-when-disconnected", defaults.FailFastWhenDisconnected),
            ReplayPageSize = config.GetInt("replay-page-size", defaults.ReplayPageSize),
            ChunkSize = (int)(config.GetByteSize("chunk-size") ?? defaults.ChunkSize),
            ParallelChunks = config.GetInt("parallel-chunks", defaults.ParallelChunks),
            TlsCaCertificate = config.GetString("tls-ca-certificate", ""),
            SigningKeyFile = config.GetString("signing-key-file", ""),
            PreviousSigningKeyFiles = config.GetStringList("previous-signing-key-files", []).Where(f => f.Length > 0).ToList(),
            AllowUnsigned = config.GetBoolean("allow-unsigned", false),
        };
        settings.Validate();
        return settings;
    }

    /// <summary>Fails with the offending key named, and never echoes a password.</summary>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(ConfigurationString))
            throw new ConfigurationException(
                "Redis persistence: 'configuration-string' is empty; set it to a StackExchange.Redis configuration string such as " +
                "\"localhost:6379\".");
        try { ConfigurationOptions.Parse(ConfigurationString); }
        catch (Exception e)
        {
            throw new ConfigurationException(
                $"Redis persistence: 'configuration-string' is not valid ({RedisSecrets.Redact(ConfigurationString)}): {e.Message}");
        }
        if (KeyPrefix.IndexOfAny(['{', '}']) >= 0)
            throw new ConfigurationException(
                $"Redis persistence: 'key-prefix' must not contain '{{' or '}}' (they are the per-persistence-id hash tag), got \"{KeyPrefix}\".");
        if (ReplayPageSize < 1)
            throw new ConfigurationException($"Redis persistence: 'replay-page-size' must be >= 1, got {ReplayPageSize}.");
        if (ChunkSize < 1024 || ChunkSize > 256 * 1024 * 1024)
            throw new ConfigurationException($"Redis persistence: 'chunk-size' must be between 1 KiB and 256 MiB, got {ChunkSize} bytes.");
        if (ParallelChunks < 1)
            throw new ConfigurationException($"Redis persistence: 'parallel-chunks' must be >= 1, got {ParallelChunks}.");
        if (TlsCaCertificate.Length > 0 && !File.Exists(TlsCaCertificate))
            throw new ConfigurationException($"Redis persistence: 'tls-ca-certificate' file not found: {TlsCaCertificate}");
        if (OperationTimeout <= TimeSpan.Zero)
            throw new ConfigurationException("Redis persistence: 'operation-timeout' must be positive.");
    }

    /// <summary>The StackExchange.Redis options this plugin connects with: our timeouts apply unless the string sets them.</summary>
    public ConfigurationOptions ToConfigurationOptions()
    {
        var options = ConfigurationOptions.Parse(ConfigurationString);
        // The plugin must survive Redis being down at start and reconnect by itself.
        if (!Sets("abortConnect")) options.AbortOnConnectFail = false;
        if (!Sets("syncTimeout")) options.SyncTimeout = (int)OperationTimeout.TotalMilliseconds;
        if (!Sets("asyncTimeout")) options.AsyncTimeout = (int)OperationTimeout.TotalMilliseconds;
        if (!Sets("connectTimeout")) options.ConnectTimeout = (int)ConnectTimeout.TotalMilliseconds;
        // Bounded back-off so that a restarted Redis is found again within seconds.
        options.ReconnectRetryPolicy = new ExponentialRetry(250, 2000);
        if (FailFastWhenDisconnected) options.BacklogPolicy = BacklogPolicy.FailFast;
        if (TlsCaCertificate.Length > 0) options.TrustIssuer(TlsCaCertificate);
        return options;
    }

    /// <summary>Whether the configuration string sets <paramref name="option"/> itself (then it wins over our defaults).</summary>
    private bool Sets(string option) =>
        System.Text.RegularExpressions.Regex.IsMatch(ConfigurationString, $@"(^|,)\s*{option}\s*=",
            System.Text.RegularExpressions.RegexOptions.IgnoreCase);
}
