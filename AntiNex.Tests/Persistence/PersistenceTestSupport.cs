using System.Runtime.Serialization;
using Akka.Actor;
using Akka.Configuration;
using Akka.Persistence;
using Akka.Serialization;
using AntiNex.Persistence.Redis;
using AntiNex.Tests.Infrastructure;
using StackExchange.Redis;

namespace AntiNex.Tests.Persistence;

/// <summary>One redis-server shared by the fast conformance classes; each test uses its own key prefix and ids.</summary>
public sealed class RedisFixture : IAsyncLifetime
{
    public RedisServer Server { get; private set; } = null!;

    public Task InitializeAsync()
    {
        Server = RedisServer.Start();
        return Task.CompletedTask;
    }

    public Task DisposeAsync()
    {
        Server?.Dispose();
        return Task.CompletedTask;
    }
}

[CollectionDefinition(Name)]
public sealed class SharedRedisCollection : ICollectionFixture<RedisFixture>
{
    public const string Name = "shared redis-server";
}

public static class PersistenceTestConfig
{
    /// <summary>Config of an actor system whose default journal and snapshot store are ours, against <paramref name="connectionString"/>.</summary>
    public static Config For(string connectionString, string keyPrefix, string extra = "")
    {
        var cs = "\"" + connectionString.Replace("\"", "\\\"") + "\"";
        var prefix = "\"" + keyPrefix + "\"";
        return ConfigurationFactory.ParseString($$"""
            akka.loglevel = INFO
            akka.test.single-expect-default = 10s
            akka.persistence.journal.plugin = "akka.persistence.journal.redis"
            akka.persistence.snapshot-store.plugin = "akka.persistence.snapshot-store.redis"
            akka.persistence.journal.redis { configuration-string = {{cs}}, key-prefix = {{prefix}} }
            akka.persistence.snapshot-store.redis { configuration-string = {{cs}}, key-prefix = {{prefix}} }
            akka.actor.serializers.test-payload = "AntiNex.Tests.Persistence.TestPayloadSerializer, AntiNex.Tests"
            akka.actor.serializers.refuse = "AntiNex.Tests.Persistence.RefusingSerializer, AntiNex.Tests"
            akka.actor.serialization-bindings {
              "AntiNex.Tests.Persistence.TestPayload, AntiNex.Tests" = test-payload
              "AntiNex.Tests.Persistence.Unserializable, AntiNex.Tests" = refuse
            }
            akka.actor.serialization-identifiers {
              "AntiNex.Tests.Persistence.TestPayloadSerializer, AntiNex.Tests" = 9101
              "AntiNex.Tests.Persistence.RefusingSerializer, AntiNex.Tests" = 9102
            }
            {{extra}}
            """).WithFallback(RedisPersistenceConfig.DefaultConfig());
    }

    public static string NewPrefix() => "t" + Guid.NewGuid().ToString("N")[..8] + ":";
}

/// <summary>A payload holding an actor reference: checks that payloads go through their registered serializer.</summary>
public sealed record TestPayload(IActorRef Ref, string Text);

public sealed class TestPayloadSerializer(ExtendedActorSystem system) : SerializerWithStringManifest(system)
{
    public override int Identifier => 9101;
    public override string Manifest(object o) => "tp1";

    public override byte[] ToBinary(object obj)
    {
        var payload = (TestPayload)obj;
        return System.Text.Encoding.UTF8.GetBytes(Serialization.SerializedActorPath(payload.Ref) + "\n" + payload.Text);
    }

    public override object FromBinary(byte[] bytes, string manifest)
    {
        if (manifest != "tp1") throw new SerializationException($"unknown manifest {manifest}");
        var parts = System.Text.Encoding.UTF8.GetString(bytes).Split('\n', 2);
        return new TestPayload(system.Provider.ResolveActorRef(parts[0]), parts[1]);
    }
}

/// <summary>A payload whose serializer always throws: the journal must reject it, not fail.</summary>
public sealed record Unserializable(string Text);

public sealed class RefusingSerializer(ExtendedActorSystem system) : SerializerWithStringManifest(system)
{
    public override int Identifier => 9102;
    public override string Manifest(object o) => "x";
    public override byte[] ToBinary(object obj) => throw new SerializationException("Unserializable cannot be serialized (by design of the test)");
    public override object FromBinary(byte[] bytes, string manifest) => throw new SerializationException("never");
}

public static class RedisAdmin
{
    public static IDatabase Db(RedisServer server, out ConnectionMultiplexer mux)
    {
        mux = ConnectionMultiplexer.Connect(server.ConnectionString);
        return mux.GetDatabase();
    }

    public static RedisKey[] Keys(RedisServer server, string pattern)
    {
        using var mux = ConnectionMultiplexer.Connect(server.ConnectionString);
        return mux.GetServer(mux.GetEndPoints()[0]).Keys(pattern: pattern).ToArray();
    }
}
