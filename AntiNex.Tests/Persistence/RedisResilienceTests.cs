using System.Collections.Immutable;
using Akka.Actor;
using Akka.Event;
using Akka.Persistence;
using Akka.TestKit.Xunit2;
using AntiNex.Tests.Infrastructure;
using StackExchange.Redis;

namespace AntiNex.Tests.Persistence;

/// <summary>Behaviour around the server: restarts, outages, passwords, durability. Each test owns its redis-server.</summary>
public sealed class RedisResilienceTests : IAsyncLifetime
{
    private readonly List<RedisServer> _servers = [];

    private RedisServer StartServer(bool aof = false, string? password = null, bool tls = false)
    {
        var server = RedisServer.Start(aof, password, tls);
        _servers.Add(server);
        return server;
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var server in _servers) await server.DisposeAsync();
    }

    private static long ConnectedClients(IServer server) =>
        long.Parse(server.Info("clients").SelectMany(g => g).First(kv => kv.Key == "connected_clients").Value);

    [Fact]
    public async Task A_persistent_actor_recovers_its_state_after_its_actor_system_restarts()
    {
        var redis = StartServer();
        var config = PersistenceTestConfig.For(redis.ConnectionString, PersistenceTestConfig.NewPrefix());
        using var admin = await ConnectionMultiplexer.ConnectAsync(redis.ConnectionString);
        var server = admin.GetServer(admin.GetEndPoints()[0]);
        var baseline = ConnectedClients(server);

        var first = ActorSystem.Create("restart-1", config);
        var watcher = new TestKit(first);
        var counter = first.ActorOf(CounterActor.Props("counter-1", watcher.TestActor));
        for (var i = 1; i <= 3; i++) Assert.Equal($"ok:{i}", await counter.Ask<string>(i, TimeSpan.FromSeconds(10)));
        counter.Tell("snap");
        watcher.ExpectMsg("snap-ok");
        // Drop events 1..3: the next system can only know them through the snapshot.
        Akka.Persistence.Persistence.Instance.Apply(first).JournalFor(null).Tell(new DeleteMessagesTo("counter-1", 3, watcher.TestActor));
        watcher.ExpectMsg<DeleteMessagesSuccess>();
        for (var i = 4; i <= 5; i++) Assert.Equal($"ok:{i}", await counter.Ask<string>(i, TimeSpan.FromSeconds(10)));
        Assert.True(ConnectedClients(server) > baseline);
        await first.Terminate();

        // The extension disposed the system's multiplexer: its connections are gone.
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (ConnectedClients(server) > baseline && DateTime.UtcNow < deadline) await Task.Delay(50);
        Assert.Equal(baseline, ConnectedClients(server));

        var second = ActorSystem.Create("restart-2", config);
        try
        {
            var again = second.ActorOf(CounterActor.Props("counter-1", second.DeadLetters));
            Assert.Equal("1,2,3,4,5", await again.Ask<string>("state", TimeSpan.FromSeconds(10)));
            Assert.Equal("ok:6", await again.Ask<string>(6, TimeSpan.FromSeconds(10)));
        }
        finally { await second.Terminate(); }
    }

    [Fact]
    public async Task Writes_fail_while_redis_is_down_and_succeed_again_after_it_restarts()
    {
        var redis = StartServer(aof: true);
        using var kit = new TestKit(PersistenceTestConfig.For(redis.ConnectionString, PersistenceTestConfig.NewPrefix()), "outage");
        var watcher = kit.CreateTestProbe();
        var counter = kit.Sys.ActorOf(CounterActor.Props("outage-1", watcher.Ref));
        Assert.Equal("ok:1", await counter.Ask<string>(1, TimeSpan.FromSeconds(10)));

        redis.Stop();
        kit.Watch(counter);
        counter.Tell(2);
        // A persist failure (the actor is told and stops), never a rejection.
        watcher.ExpectMsg("persist-failure", TimeSpan.FromSeconds(15));
        kit.ExpectTerminated(counter, TimeSpan.FromSeconds(5));
        var store = Akka.Persistence.Persistence.Instance.Apply(kit.Sys).SnapshotStoreFor(null);
        store.Tell(new SaveSnapshot(new SnapshotMetadata("outage-1", 1, DateTime.UtcNow), new[] { 1 }), watcher.Ref);
        watcher.ExpectMsg<SaveSnapshotFailure>(TimeSpan.FromSeconds(15));
        var extension = Akka.Persistence.Persistence.Instance.Apply(kit.Sys);
        Assert.Equal(PersistenceHealthStatus.Unhealthy, (await extension.CheckJournalHealthAsync("akka.persistence.journal.redis",
            CancellationToken.None)).Status);

        redis.Restart(); // same port, same data (AOF)
        // No node restart: the same actor system and plugins reconnect by themselves. Polled by recovering (no write: a
        // write whose answer came too late would land twice), then one write.
        IActorRef? again = null;
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (again is null && DateTime.UtcNow < deadline)
        {
            var attempt = kit.Sys.ActorOf(CounterActor.Props("outage-1", watcher.Ref));
            try
            {
                Assert.Equal("1", await attempt.Ask<string>("state", TimeSpan.FromSeconds(2)));
                again = attempt;
            }
            catch (AskTimeoutException) { kit.Sys.Stop(attempt); await Task.Delay(250); }
        }
        Assert.NotNull(again);
        Assert.Equal("ok:3", await again.Ask<string>(3, TimeSpan.FromSeconds(10)));
        Assert.Equal(PersistenceHealthStatus.Healthy, (await extension.CheckJournalHealthAsync("akka.persistence.journal.redis",
            CancellationToken.None)).Status);
        Assert.Equal(PersistenceHealthStatus.Healthy, (await extension.CheckSnapshotStoreHealthAsync("akka.persistence.snapshot-store.redis",
            CancellationToken.None)).Status);
        var recovered = kit.Sys.ActorOf(CounterActor.Props("outage-1", watcher.Ref));
        Assert.Equal("1,3", await recovered.Ask<string>("state", TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task A_hung_server_times_the_write_out_as_a_persist_failure_and_recovers_when_it_answers_again()
    {
        var redis = StartServer();
        var extra = "akka.persistence.journal.redis.operation-timeout = 1s";
        using var kit = new TestKit(PersistenceTestConfig.For(redis.ConnectionString, PersistenceTestConfig.NewPrefix(), extra), "hung");
        var watcher = kit.CreateTestProbe();
        var counter = kit.Sys.ActorOf(CounterActor.Props("hung-1", watcher.Ref));
        Assert.Equal("ok:1", await counter.Ask<string>(1, TimeSpan.FromSeconds(10)));
        redis.Pause();
        try
        {
            counter.Tell(2);
            watcher.ExpectMsg("persist-failure", TimeSpan.FromSeconds(15));
        }
        finally { redis.Resume(); }
        string? reply = null;
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (reply is null && DateTime.UtcNow < deadline)
        {
            var again = kit.Sys.ActorOf(CounterActor.Props("hung-1", watcher.Ref));
            try { reply = await again.Ask<string>(3, TimeSpan.FromSeconds(2)); }
            catch (Exception) { kit.Sys.Stop(again); await Task.Delay(250); }
        }
        Assert.Equal("ok:3", reply);
    }

    [Fact]
    public async Task An_ACL_user_works_with_its_password_and_is_refused_with_a_wrong_one()
    {
        // The default user needs a password too, else a failed AUTH silently falls back to it.
        var redis = StartServer(password: "admin-pw-9");
        using (var admin = await ConnectionMultiplexer.ConnectAsync(redis.ConnectionString))
            await admin.GetDatabase().ExecuteAsync("ACL", "SETUSER", "antinex", "on", ">acl-pw-1", "~*", "&*", "+@all");
        var good = $"127.0.0.1:{redis.Port},user=antinex,password=acl-pw-1";
        using (var kit = new TestKit(PersistenceTestConfig.For(good, PersistenceTestConfig.NewPrefix()), "acl-ok"))
        {
            var counter = kit.Sys.ActorOf(CounterActor.Props("acl-1", kit.TestActor));
            Assert.Equal("ok:1", await counter.Ask<string>(1, TimeSpan.FromSeconds(10)));
        }
        var bad = $"127.0.0.1:{redis.Port},user=antinex,password=wrong,connectTimeout=1000";
        using (var kit = new TestKit(PersistenceTestConfig.For(bad, PersistenceTestConfig.NewPrefix()), "acl-refused"))
        {
            var journal = Akka.Persistence.Persistence.Instance.Apply(kit.Sys).JournalFor(null);
            journal.Tell(new WriteMessages([new AtomicWrite(new Persistent("x", 1, "acl-2", "", false, ActorRefs.NoSender, "w"))], kit.TestActor, 1));
            kit.ExpectMsg<WriteMessagesFailed>(TimeSpan.FromSeconds(20));
        }
    }

    [Fact]
    public async Task A_TLS_server_works_when_its_CA_is_trusted_and_is_refused_otherwise()
    {
        var redis = StartServer(password: "tls-pw-1", tls: true);
        var ca = redis.CaCertificatePath!.Replace("\\", "/");
        using (var kit = new TestKit(PersistenceTestConfig.For(redis.ConnectionString, PersistenceTestConfig.NewPrefix(),
                   $"akka.persistence.journal.redis.tls-ca-certificate = \"{ca}\"\nakka.persistence.snapshot-store.redis.tls-ca-certificate = " +
                       $"\"{ca}\""), "tls-ok"))
        {
            var counter = kit.Sys.ActorOf(CounterActor.Props("tls-1", kit.TestActor));
            Assert.Equal("ok:1", await counter.Ask<string>(1, TimeSpan.FromSeconds(10)));
            counter.Tell("snap");
            kit.ExpectMsg("snap-ok");
        }
        // Without trusting the test CA the certificate is rejected: writes fail, nothing is stored in plaintext.
        using (var kit = new TestKit(PersistenceTestConfig.For(redis.ConnectionString + ",connectTimeout=1000", PersistenceTestConfig.NewPrefix()),
            "tls-untrusted"))
        {
            var journal = Akka.Persistence.Persistence.Instance.Apply(kit.Sys).JournalFor(null);
            journal.Tell(new WriteMessages([new AtomicWrite(new Persistent("x", 1, "tls-2", "", false, ActorRefs.NoSender, "w"))], kit.TestActor, 1));
            kit.ExpectMsg<WriteMessagesFailed>(TimeSpan.FromSeconds(20));
        }
    }

    [Fact]
    public async Task A_password_protected_server_works_with_the_password_and_refuses_without_it()
    {
        const string password = "s3cret-Pw-4711";
        var redis = StartServer(password: password);
        var logs = new List<string>();

        using (var kit = new TestKit(PersistenceTestConfig.For(redis.ConnectionString, PersistenceTestConfig.NewPrefix(), "akka.loglevel = DEBUG"),
            "auth-ok"))
        {
            var logProbe = kit.CreateTestProbe();
            kit.Sys.EventStream.Subscribe(logProbe.Ref, typeof(LogEvent));
            var counter = kit.Sys.ActorOf(CounterActor.Props("auth-1", kit.TestActor));
            Assert.Equal("ok:1", await counter.Ask<string>(1, TimeSpan.FromSeconds(10)));
            await Task.Delay(200);
            while (logProbe.HasMessages) logs.Add(logProbe.ReceiveOne(TimeSpan.Zero)?.ToString() ?? "");
        }

        using (var kit = new TestKit(PersistenceTestConfig.For(redis.ConnectionStringWithoutPassword + ",connectTimeout=1000",
            PersistenceTestConfig.NewPrefix()), "auth-refused"))
        {
            var logProbe = kit.CreateTestProbe();
            kit.Sys.EventStream.Subscribe(logProbe.Ref, typeof(LogEvent));
            var journal = Akka.Persistence.Persistence.Instance.Apply(kit.Sys).JournalFor(null);
            var write = new AtomicWrite(new Persistent("x", 1, "auth-2", "", false, ActorRefs.NoSender, "w"));
            journal.Tell(new WriteMessages([write], kit.TestActor, 1));
            var failed = kit.ExpectMsg<WriteMessagesFailed>(TimeSpan.FromSeconds(20));
            kit.ExpectMsg<WriteMessageFailure>();
            Assert.NotNull(failed.Cause);
            while (logProbe.HasMessages) logs.Add(logProbe.ReceiveOne(TimeSpan.Zero)?.ToString() ?? "");
        }

        Assert.Contains(logs, l => l.Contains("Redis"));
        Assert.DoesNotContain(logs, l => l.Contains(password));
        // Only the first system could write.
        using var admin = await ConnectionMultiplexer.ConnectAsync(redis.ConnectionString);
        var keys = admin.GetServer(admin.GetEndPoints()[0]).Keys(pattern: "*").Select(k => k.ToString()).ToList();
        Assert.Contains(keys, k => k.Contains("{auth-1}"));
        Assert.DoesNotContain(keys, k => k.Contains("{auth-2}"));
    }

    [Fact]
    public void With_AOF_on_events_and_snapshots_survive_a_redis_restart()
    {
        var redis = StartServer(aof: true);
        using var kit = new TestKit(PersistenceTestConfig.For(redis.ConnectionString, PersistenceTestConfig.NewPrefix()), "aof");
        var persistence = Akka.Persistence.Persistence.Instance.Apply(kit.Sys);
        var journal = persistence.JournalFor(null);
        var store = persistence.SnapshotStoreFor(null);
        var writes = Enumerable.Range(1, 3).Select(i => (IPersistentEnvelope)new AtomicWrite(
            new Persistent($"e-{i}", i, "aof-1", "", false, ActorRefs.NoSender, "w"))).ToList();
        journal.Tell(new WriteMessages(writes, kit.TestActor, 1));
        kit.ExpectMsg<WriteMessagesSuccessful>();
        kit.ReceiveN(3);
        store.Tell(new SaveSnapshot(new SnapshotMetadata("aof-1", 3, DateTime.UtcNow), "snap-3"), kit.TestActor);
        kit.ExpectMsg<SaveSnapshotSuccess>();

        redis.Restart();

        kit.AwaitAssert(() =>
        {
            journal.Tell(new ReplayMessages(1, long.MaxValue, long.MaxValue, "aof-1", kit.TestActor));
            var replayed = kit.ReceiveN(4, TimeSpan.FromSeconds(3)).ToList();
            Assert.Equal(["e-1", "e-2", "e-3"], replayed.Take(3).Cast<ReplayedMessage>().Select(r => (string)r.Persistent.Payload));
            Assert.Equal(3, ((RecoverySuccess)replayed[3]).HighestSequenceNr);
        }, TimeSpan.FromSeconds(20), TimeSpan.FromMilliseconds(250));
        store.Tell(new LoadSnapshot("aof-1", SnapshotSelectionCriteria.Latest, long.MaxValue), kit.TestActor);
        Assert.Equal("snap-3", kit.ExpectMsg<LoadSnapshotResult>().Snapshot!.Snapshot);
    }
}
