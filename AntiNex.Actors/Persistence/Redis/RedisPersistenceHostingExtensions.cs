using Akka.Configuration;
using Akka.Hosting;
using Akka.Persistence.Hosting;

namespace AntiNex.Persistence.Redis;

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
    /// <param name="journalOptions">Further journal options, e.g. <see cref="RedisJournalOptions.SigningKeyFile"/>.</param>
    public static AkkaConfigurationBuilder WithRedisPersistence(this AkkaConfigurationBuilder builder, string connectionString,
        string keyPrefix = "antinex:", string pluginIdentifier = "redis", bool isDefaultPlugin = true,
        Action<AkkaPersistenceJournalBuilder>? journalBuilder = null, Action<AkkaPersistenceSnapshotBuilder>? snapshotBuilder = null,
        Action<RedisSnapshotOptions>? snapshotOptions = null, Action<RedisJournalOptions>? journalOptions = null)
    {
        var journal = new RedisJournalOptions(isDefaultPlugin, pluginIdentifier) { ConfigurationString = connectionString, KeyPrefix = keyPrefix };
        var snapshots = new RedisSnapshotOptions(isDefaultPlugin, pluginIdentifier) { ConfigurationString = connectionString, KeyPrefix = keyPrefix };
        snapshotOptions?.Invoke(snapshots);
        journalOptions?.Invoke(journal);
        return builder.WithRedisPersistence(journal, snapshots, journalBuilder, snapshotBuilder);
    }

    /// <summary>The plugin uses <paramref name="connection"/> (opened before the actor system, e.g. by a node that also needs
    /// Redis before it joins) instead of opening its own, when the configuration string and key prefix are the same.</summary>
    public static AkkaConfigurationBuilder WithRedisConnection(this AkkaConfigurationBuilder builder, RedisPluginConnection connection)
        => builder.AddSetup(new RedisConnectionSetup(connection));

    /// <summary>Registers the Redis journal and snapshot store from fully specified options.</summary>
    public static AkkaConfigurationBuilder WithRedisPersistence(this AkkaConfigurationBuilder builder,
        RedisJournalOptions journalOptions, RedisSnapshotOptions snapshotOptions,
        Action<AkkaPersistenceJournalBuilder>? journalBuilder = null, Action<AkkaPersistenceSnapshotBuilder>? snapshotBuilder = null)
    {
        // Validate early, with the key named and the password redacted.
        RedisPersistenceSettings.FromConfig(ConfigurationFactory.ParseString(journalOptions.ToString())
            .GetConfig($"akka.persistence.journal.{journalOptions.Identifier}"));
        RedisPersistenceSettings.FromConfig(ConfigurationFactory.ParseString(snapshotOptions.ToString())
            .GetConfig($"akka.persistence.snapshot-store.{snapshotOptions.Identifier}"));
        return builder.WithJournalAndSnapshot(journalOptions, snapshotOptions, journalBuilder ?? (_ => { }), snapshotBuilder ?? (_ => { }));
    }
}
