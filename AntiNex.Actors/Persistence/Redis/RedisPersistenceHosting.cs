using System.Globalization;
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

    protected override Config InternalDefaultConfig => RedisPersistenceConfig.DefaultConfig();

    protected override StringBuilder Build(StringBuilder sb)
    {
        sb.AppendLine($"class = {HoconText.Quote(typeof(RedisJournal).AssemblyQualifiedNameShort())}");
        HoconText.AppendCommon(sb, ConfigurationString, KeyPrefix, Database, OperationTimeout, TlsCaCertificate);
        sb.AppendLine($"replay-page-size = {ReplayPageSize.ToString(CultureInfo.InvariantCulture)}");
        return base.Build(sb);
    }
}

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
    /// <summary>HMAC-SHA256 key file: sign every saved snapshot, verify every load; empty = no signing.</summary>
    public string SigningKeyFile { get; set; } = "";
    /// <summary>Earlier keys still accepted when verifying (rotation).</summary>
    public IReadOnlyList<string> PreviousSigningKeyFiles { get; set; } = [];
    /// <summary>With a key: still load snapshots stored unsigned (migration).</summary>
    public bool AllowUnsigned { get; set; }

    protected override Config InternalDefaultConfig => RedisPersistenceConfig.DefaultConfig();

    protected override StringBuilder Build(StringBuilder sb)
    {
        sb.AppendLine($"class = {HoconText.Quote(typeof(RedisSnapshotStore).AssemblyQualifiedNameShort())}");
        HoconText.AppendCommon(sb, ConfigurationString, KeyPrefix, Database, OperationTimeout, TlsCaCertificate);
        sb.AppendLine($"chunk-size = {ChunkSize.ToString(CultureInfo.InvariantCulture)}b");
        sb.AppendLine($"parallel-chunks = {ParallelChunks.ToString(CultureInfo.InvariantCulture)}");
        sb.AppendLine($"circuit-breaker.call-timeout = {HoconText.Duration(CallTimeout)}");
        sb.AppendLine($"signing-key-file = {HoconText.Quote(SigningKeyFile)}");
        sb.AppendLine($"previous-signing-key-files = [{string.Join(", ", PreviousSigningKeyFiles.Select(HoconText.Quote))}]");
        sb.AppendLine($"allow-unsigned = {(AllowUnsigned ? "on" : "off")}");
        return base.Build(sb);
    }
}

public static class RedisPersistenceHostingExtensions
{
    /// <summary>
    /// Registers the Redis journal and snapshot store (plugin ids <c>akka.persistence.journal.&lt;pluginIdentifier&gt;</c> and
    /// <c>akka.persistence.snapshot-store.&lt;pluginIdentifier&gt;</c>) and, by default, makes them the default plugins.
    /// </summary>
    /// <param name="connectionString">StackExchange.Redis configuration string, e.g. "localhost:6379,password=...,ssl=true".</param>
    /// <param name="keyPrefix">Prefix of every key; do not change it once data is stored.</param>
    /// <param name="pluginIdentifier">Plugin id suffix; use another one (and another prefix) for a second store, e.g. sharding state.</param>
    /// <param name="isDefaultPlugin">Make these the default journal and snapshot store.</param>
    /// <param name="journalBuilder">Event adapters and health checks (<c>WithHealthCheck()</c>), as in Akka.Persistence.Hosting.</param>
    /// <param name="snapshotBuilder">Snapshot-store health checks (<c>WithHealthCheck()</c>).</param>
    /// <param name="snapshotOptions">Further snapshot-store options, e.g. <see cref="RedisSnapshotOptions.SigningKeyFile"/>.</param>
    public static AkkaConfigurationBuilder WithRedisPersistence(this AkkaConfigurationBuilder builder, string connectionString,
        string keyPrefix = "antinex:", string pluginIdentifier = "redis", bool isDefaultPlugin = true,
        Action<AkkaPersistenceJournalBuilder>? journalBuilder = null, Action<AkkaPersistenceSnapshotBuilder>? snapshotBuilder = null,
        Action<RedisSnapshotOptions>? snapshotOptions = null)
    {
        var journal = new RedisJournalOptions(isDefaultPlugin, pluginIdentifier) { ConfigurationString = connectionString, KeyPrefix = keyPrefix };
        var snapshots = new RedisSnapshotOptions(isDefaultPlugin, pluginIdentifier) { ConfigurationString = connectionString, KeyPrefix = keyPrefix };
        snapshotOptions?.Invoke(snapshots);
        return builder.WithRedisPersistence(journal, snapshots, journalBuilder, snapshotBuilder);
    }

    /// <summary>Registers the Redis journal and snapshot store from fully specified options.</summary>
    public static AkkaConfigurationBuilder WithRedisPersistence(this AkkaConfigurationBuilder builder,
        RedisJournalOptions journalOptions, RedisSnapshotOptions snapshotOptions,
        Action<AkkaPersistenceJournalBuilder>? journalBuilder = null, Action<AkkaPersistenceSnapshotBuilder>? snapshotBuilder = null)
    {
        // Validate early, with the key named and the password redacted.
        RedisPersistenceSettings.FromConfig(ConfigurationFactory.ParseString(journalOptions.ToString()).GetConfig($"akka.persistence.journal.{journalOptions.Identifier}"));
        RedisPersistenceSettings.FromConfig(ConfigurationFactory.ParseString(snapshotOptions.ToString()).GetConfig($"akka.persistence.snapshot-store.{snapshotOptions.Identifier}"));
        return builder.WithJournalAndSnapshot(journalOptions, snapshotOptions, journalBuilder ?? (_ => { }), snapshotBuilder ?? (_ => { }));
    }
}

internal static class HoconText
{
    public static string Quote(string value) =>
        "\"" + value.Replace("\\", "\\\\").Replace("\"", "\\\"").Replace("\n", "\\n").Replace("\r", "\\r") + "\"";

    public static string Duration(TimeSpan value) => $"{(long)value.TotalMilliseconds}ms";

    public static void AppendCommon(StringBuilder sb, string configurationString, string keyPrefix, int database, TimeSpan operationTimeout, string tlsCaCertificate)
    {
        sb.AppendLine($"tls-ca-certificate = {Quote(tlsCaCertificate)}");
        sb.AppendLine($"configuration-string = {Quote(configurationString)}");
        sb.AppendLine($"key-prefix = {Quote(keyPrefix)}");
        sb.AppendLine($"database = {database.ToString(CultureInfo.InvariantCulture)}");
        sb.AppendLine($"operation-timeout = {Duration(operationTimeout)}");
        sb.AppendLine("plugin-dispatcher = \"akka.actor.default-dispatcher\"");
    }

    public static string AssemblyQualifiedNameShort(this Type type) => $"{type.FullName}, {type.Assembly.GetName().Name}";
}
