using Akka.Actor;
using Akka.Hosting;
using AntiNex.Persistence.Redis;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using StackExchange.Redis;

namespace AntiNex.Tests.Persistence;

/// <summary>The Akka.Hosting extension registers journal and snapshot store as the defaults, with the given prefix.</summary>
[Collection(SharedRedisCollection.Name)]
public sealed class RedisHostingTests(RedisFixture redis)
{
    [Fact]
    public async Task WithRedisPersistence_makes_the_redis_plugins_the_defaults()
    {
        var prefix = PersistenceTestConfig.NewPrefix();
        using var admin = await ConnectionMultiplexer.ConnectAsync(redis.Server.ConnectionString);
        var server = admin.GetServer(admin.GetEndPoints()[0]);
        using var host = new HostBuilder()
            .ConfigureServices(services => services.AddAkka("hosting-spec", (builder, _) =>
                builder.WithRedisPersistence(redis.Server.ConnectionString, prefix)))
            .Build();
        await host.StartAsync();
        try
        {
            var system = host.Services.GetRequiredService<ActorSystem>();
            var config = system.Settings.Config;
            Assert.Equal("akka.persistence.journal.redis", config.GetString("akka.persistence.journal.plugin"));
            Assert.Equal("akka.persistence.snapshot-store.redis", config.GetString("akka.persistence.snapshot-store.plugin"));
            Assert.Equal(prefix, config.GetString("akka.persistence.journal.redis.key-prefix"));

            var counter = system.ActorOf(CounterActor.Props("hosted-1", system.DeadLetters));
            Assert.Equal("ok:7", await counter.Ask<string>(7, TimeSpan.FromSeconds(10)));
            counter.Tell("snap");
            var deadline = DateTime.UtcNow.AddSeconds(10);
            while (!server.Keys(pattern: prefix + "{hosted-1}:snapshot:*").Any() && DateTime.UtcNow < deadline) await Task.Delay(50);
            var keys = server.Keys(pattern: prefix + "*").Select(k => k.ToString()).ToList();
            Assert.Contains(prefix + "{hosted-1}:events", keys);
            Assert.Contains(prefix + "{hosted-1}:highest", keys);
            Assert.Contains(keys, k => k.StartsWith(prefix + "{hosted-1}:snapshot:1:"));
            // Journal and snapshot store share ONE multiplexer (an interactive plus at most a subscription connection).
            // Other test classes may connect meanwhile, so count only this system's client name.
            var ours = server.ClientList().Where(c => c.Name == RedisConnectionsName(system)).ToArray();
            Assert.InRange(ours.Length, 1, 2);
        }
        finally { await host.StopAsync(); }
    }

    private static string RedisConnectionsName(ActorSystem system) => $"antinex-{system.Name}";

    [Fact]
    public async Task The_journal_options_carry_the_signing_key_to_the_journal()
    {
        var prefix = PersistenceTestConfig.NewPrefix();
        var keyDir = Directory.CreateTempSubdirectory("antinex-hosting-key-").FullName;
        var keyFile = Path.Combine(keyDir, "model.key");
        await File.WriteAllTextAsync(keyFile, Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(48)));
        using var host = new HostBuilder()
            .ConfigureServices(services => services.AddAkka("hosting-signed", (builder, _) =>
                builder.WithRedisPersistence(redis.Server.ConnectionString, prefix, journalOptions: o => o.SigningKeyFile = keyFile)))
            .Build();
        await host.StartAsync();
        try
        {
            var system = host.Services.GetRequiredService<ActorSystem>();
            Assert.Equal(keyFile, system.Settings.Config.GetString("akka.persistence.journal.redis.signing-key-file"));
            var counter = system.ActorOf(CounterActor.Props("hosted-signed", system.DeadLetters));
            Assert.Equal("ok:7", await counter.Ask<string>(7, TimeSpan.FromSeconds(10)));
            using var admin = await ConnectionMultiplexer.ConnectAsync(redis.Server.ConnectionString);
            var stored = (byte[])(await admin.GetDatabase().SortedSetRangeByScoreAsync(prefix + "{hosted-signed}:events")).Single()!;
            Assert.Equal(0x00, stored[0]); // the signed form
        }
        finally
        {
            await host.StopAsync();
            Directory.Delete(keyDir, recursive: true);
        }
    }

    [Fact]
    public async Task DeferAsync_without_a_preceding_persist_never_fails_the_journal()
    {
        // Akka.Persistence.Redis#455: an empty write batch threw and, repeated, opened the circuit breaker.
        var system = ActorSystem.Create("defer-spec", PersistenceTestConfig.For(redis.Server.ConnectionString, PersistenceTestConfig.NewPrefix()));
        try
        {
            var counter = system.ActorOf(CounterActor.Props("defer-1", system.DeadLetters));
            for (var i = 0; i < 15; i++)
                Assert.Equal("deferred", await counter.Ask<string>("defer", TimeSpan.FromSeconds(10)));
            Assert.Equal("ok:1", await counter.Ask<string>(1, TimeSpan.FromSeconds(10)));
        }
        finally { await system.Terminate(); }
    }

    [Fact]
    public void A_bad_configuration_names_the_key_and_never_shows_the_password()
    {
        var builder = new AkkaConfigurationBuilder(new ServiceCollection(), "bad");
        var error = Assert.ThrowsAny<Exception>(() => builder.WithRedisPersistence("localhost:6379,password=hunter2", "bad{prefix}"));
        Assert.Contains("key-prefix", error.Message);
        Assert.DoesNotContain("hunter2", error.Message);
        Assert.Equal("localhost:6379,password=*****,ssl=true", RedisSecrets.Redact("localhost:6379,password=hunter2,ssl=true"));
        Assert.Equal("rediss://user:*****@host:6380", RedisSecrets.Redact("rediss://user:pw@host:6380"));
    }

    [Fact]
    public void Timeouts_in_the_connection_string_win_over_the_plugin_defaults()
    {
        var options = new RedisPersistenceSettings
        {
            ConfigurationString = "localhost:6379,asyncTimeout=60000",
            OperationTimeout = TimeSpan.FromSeconds(3)
        }.ToConfigurationOptions();
        Assert.Equal(60000, options.AsyncTimeout);
        Assert.Equal(3000, options.SyncTimeout);
        Assert.False(options.AbortOnConnectFail);
    }

    [Fact]
    public void The_reference_configuration_documents_every_setting()
    {
        var journal = RedisPersistenceSettings.FromConfig(RedisPersistenceConfig.DefaultConfig().GetConfig(RedisPersistenceConfig.JournalPluginId));
        var snapshots = RedisPersistenceSettings.FromConfig(RedisPersistenceConfig.DefaultConfig()
            .GetConfig(RedisPersistenceConfig.SnapshotPluginId));
        Assert.Equal("antinex:", journal.KeyPrefix);
        Assert.Equal(4 * 1024 * 1024, snapshots.ChunkSize);
        Assert.Equal(TimeSpan.FromSeconds(120), RedisPersistenceConfig.DefaultConfig()
            .GetTimeSpan("akka.persistence.snapshot-store.redis.circuit-breaker.call-timeout"));
        foreach (var key in new[] { "configuration-string", "key-prefix", "database", "operation-timeout", "connect-timeout",
            "fail-fast-when-disconnected", "replay-page-size", "chunk-size", "parallel-chunks" })
            Assert.Contains(key + " =", RedisPersistenceConfig.Reference);
    }
}
