using Akka.Configuration;
using Akka.Hosting;

namespace AntiNex.Persistence.Redis;

/// <summary>The reference HOCON of both plugins; it is the fallback of every plugin section.</summary>
public static class RedisPersistenceConfig
{
    public const string JournalPluginId = "akka.persistence.journal.redis";
    public const string SnapshotPluginId = "akka.persistence.snapshot-store.redis";

    /// <summary>Keys shared by journal and snapshot store, as HOCON lines (without braces).</summary>
    internal const string CommonKeys = """
        # StackExchange.Redis configuration string: endpoints plus options, e.g.
        #   "redis1:6379,password=secret,user=antinex,ssl=true,sslHost=redis1,defaultDatabase=2"
        # The password is never logged.
        configuration-string = "localhost:6379"
        # Prefix of every key; keys are <prefix>{<persistenceId>}:... so Redis Cluster keeps one entity in one slot.
        # Do not change it once data is stored. Must not contain '{' or '}'.
        key-prefix = "antinex:"
        # Database number; -1 takes defaultDatabase from the configuration string (else 0). Redis Cluster: 0 only.
        database = -1
        # StackExchange.Redis syncTimeout/asyncTimeout when the configuration string sets neither.
        operation-timeout = 10s
        # StackExchange.Redis connectTimeout when the configuration string sets none.
        connect-timeout = 5s
        # TLS (ssl=true in configuration-string) with a private CA: path of its PEM/CRT certificate to trust.
        # Empty: the server certificate must chain to the system trust store.
        tls-ca-certificate = ""
        # on: commands fail at once while the connection is down (persist failure), off: they queue until timeout.
        fail-fast-when-disconnected = on
        plugin-dispatcher = "akka.actor.default-dispatcher"
        # After max-failures failed calls in a row the plugin refuses every call at once (circuit open) for
        # reset-timeout, then lets one call probe Redis. Akka's 30 s (journal) / 60 s (snapshots) would keep a label
        # unable to load or store that long after Redis is back; a probe every few seconds costs one failed command.
        circuit-breaker.max-failures = 10
        circuit-breaker.reset-timeout = 2s
        """;

    /// <summary>
    /// Reference configuration. Enable with <c>akka.persistence.journal.plugin = "akka.persistence.journal.redis"</c> and
    /// <c>akka.persistence.snapshot-store.plugin = "akka.persistence.snapshot-store.redis"</c> (or use
    /// <see cref="RedisPersistenceHostingExtensions.WithRedisPersistence"/>).
    /// </summary>
    public static readonly string Reference = $$"""
        akka.persistence.journal.redis {
          class = {{ClassName(typeof(RedisJournal)).ToHocon()}}
        {{CommonKeys}}
          # Events fetched per round trip while replaying.
          replay-page-size = 1000
          # One write or replay; a command to a down Redis fails at once (fail-fast-when-disconnected), a hung one
          # after operation-timeout.
          circuit-breaker.call-timeout = 10s
          # File holding an HMAC-SHA256 key (>= 32 bytes, surrounding whitespace ignored). Set: every written event is
          # signed, every replayed one verified before it is deserialized; an event that fails makes the recovery of its
          # persistence id fail, naming the event and why. Empty: events are neither signed nor verified.
          signing-key-file = ""
          # Key rotation: files of earlier keys, still accepted when verifying, never used to sign.
          previous-signing-key-files = []
          # With a key: also replay events stored without a signature (migrating an unsigned store; warned once per
          # persistence id). off: they are refused like altered ones.
          allow-unsigned = off
        }
        akka.persistence.snapshot-store.redis {
          class = {{ClassName(typeof(RedisSnapshotStore)).ToHocon()}}
        {{CommonKeys}}
          # Snapshot payloads are stored in pieces of this size (Redis strings are capped at 512 MB, and small
          # pieces let journal commands pass between them on the shared connection).
          chunk-size = 4MiB
          # Pieces in flight at once while saving/loading one snapshot.
          parallel-chunks = 4
          # Saving a 100 MB model takes seconds: allow it more than the 20 s default.
          circuit-breaker.call-timeout = 120s
          # File holding an HMAC-SHA256 key (>= 32 bytes, surrounding whitespace ignored). Set: every saved snapshot is
          # signed, every loaded one verified; a snapshot that fails is refused (logged) and the next older one is
          # offered instead. Empty: snapshots are neither signed nor verified.
          signing-key-file = ""
          # Key rotation: files of earlier keys, still accepted when verifying, never used to sign.
          previous-signing-key-files = []
          # With a key: also load snapshots stored without a signature (migrating an unsigned store). They are signed
          # at their next save. off: they are refused like altered ones.
          allow-unsigned = off
        }
        """;

    public static Config DefaultConfig() => ConfigurationFactory.ParseString(Reference);

    /// <summary>A plugin's <c>class</c> value, built from its type: "Namespace.Type, Assembly" (wherever the plugin lives).</summary>
    public static string ClassName(Type pluginType) => $"{pluginType.FullName}, {pluginType.Assembly.GetName().Name}";
}
