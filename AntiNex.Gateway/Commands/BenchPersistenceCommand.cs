using System.CommandLine;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Akka.Actor;
using Akka.Configuration;
using Akka.Persistence;
using AntiNex.Persistence.Redis;

namespace AntiNex.Gateway.Commands;

/// <summary>
/// <c>antinex-gateway bench persistence [--redis CONNSTR]</c>: throughput of our Redis journal and snapshot store,
/// printed next to the published Akka.Persistence.Redis 1.4.16 figures. Without --redis it runs its own redis-server.
/// </summary>
internal static class BenchPersistenceCommand
{
    public static Command Create()
    {
        var redis = new Option<string?>(
            "--redis")
        { Description = "StackExchange.Redis configuration string; default: start a private redis-server on a free port." };
        var events = new Option<int>("--events") { Description = "Events per journal measurement.", DefaultValueFactory = _ => 10_000 };
        var actors = new Option<int>("--actors")
        {
            Description = "Actors persisting in parallel for the 'N actors' row.",
            DefaultValueFactory = _ => 10
        };
        var rounds = new Option<int>("--rounds")
        {
            Description = "Repetitions per measurement; the median is reported with the range.",
            DefaultValueFactory = _ => 3
        };
        var chunk = new Option<int>("--chunk-kb")
        {
            Description = "Snapshot store chunk-size in KiB (plugin default 4096).",
            DefaultValueFactory = _ => 4096
        };
        var parallel = new Option<int>("--parallel-chunks")
        {
            Description = "Snapshot store parallel-chunks (plugin default 4).",
            DefaultValueFactory = _ => 4
        };
        var persistence = new Command("persistence", "Measure the Redis journal (events/s) and snapshot store (MB/s).") { redis, events, actors,
            rounds, chunk, parallel };
        persistence.SetAction(async (parse, _) =>
        {
            await RunAsync(parse.GetValue(redis), Math.Max(100, parse.GetValue(events)), Math.Max(1, parse.GetValue(actors)),
                Math.Max(1, parse.GetValue(rounds)),
                Math.Max(1, parse.GetValue(chunk)), Math.Max(1, parse.GetValue(parallel)));
            return ExitCodes.Ok;
        });
        return persistence;
    }

    private static async Task RunAsync(string? connectionString, int events, int actors, int rounds, int chunkKb, int parallelChunks)
    {
        using var ownServer = connectionString is null ? PrivateRedisServer.Start() : null;
        connectionString ??= ownServer!.ConnectionString;
        var prefix = $"bench-{Guid.NewGuid():N}"[..14] + ":";
        var cs = connectionString.Replace("\"", "\\\"");
        // Events and snapshots are signed and verified as on a node (a cluster always has a model key): a throw-away random key.
        var keyFile = Path.Combine(Directory.CreateTempSubdirectory("antinex-bench-key-").FullName, "model.key");
        File.WriteAllText(keyFile, Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(48)));
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(keyFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        var config = ConfigurationFactory.ParseString($$"""
            akka.loglevel = WARNING
            akka.persistence.journal.plugin = "akka.persistence.journal.redis"
            akka.persistence.snapshot-store.plugin = "akka.persistence.snapshot-store.redis"
            akka.persistence.journal.redis { configuration-string = "{{cs}}", key-prefix = "{{prefix}}" }
            akka.persistence.snapshot-store.redis { configuration-string = "{{cs}}", key-prefix = "{{prefix}}" }
            akka.persistence.snapshot-store.redis { chunk-size = {{chunkKb}}KiB, parallel-chunks = {{parallelChunks}} }
            akka.persistence.snapshot-store.redis.signing-key-file = "{{keyFile.Replace("\\", "\\\\")}}"
            akka.persistence.journal.redis.signing-key-file = "{{keyFile.Replace("\\", "\\\\")}}"
            """).WithFallback(RedisPersistenceConfig.DefaultConfig());
        var system = ActorSystem.Create("persistence-bench", config);
        try
        {
            Console.WriteLine(
                $"Redis: {RedisSecrets.Redact(connectionString)}   key prefix: {prefix}   events: {events:N0}   parallel actors: {actors}   " +
                $"rounds: {rounds} (median shown)   events and snapshots signed (HMAC-SHA256), chunks: {chunkKb} KiB x {parallelChunks} in flight");
            Console.WriteLine(
                $"Host: {Environment.ProcessorCount} cores, .NET {Environment.Version}; redis-server " +
                $"{(ownServer is null ? "given" : "private, --save \"\" --appendonly no")}");
            if (File.Exists("/proc/loadavg")) Console.WriteLine($"Load average at start: {File.ReadAllText("/proc/loadavg").Trim()}");
            await PersistAsync(system, "warmup", 500, Mode.Persist); // JIT, connection, scripts
            var rows = new List<Row>();
            rows.Add(await MeasureAsync("Persist, 1 actor", "events/s", 772, rounds,
                r => PersistAsync(system, $"persist-1-{r}", events, Mode.Persist)));
            rows.Add(await MeasureAsync($"Persist, {actors} actors in parallel", "events/s", null, rounds,
                r => PersistParallelAsync(system, $"parallel-{r}", events, actors)));
            rows.Add(await MeasureAsync("PersistAll, batches of 50", "events/s", 20_275, rounds,
                r => PersistAsync(system, $"persist-all-{r}", events, Mode.PersistAll)));
            rows.Add(await MeasureAsync("PersistAsync, 1 actor", "events/s", 13_131, rounds,
                r => PersistAsync(system, $"persist-async-{r}", events, Mode.PersistAsync)));
            rows.Add(await MeasureAsync($"Recovery of {events:N0} events", "events/s", 20_119, rounds,
                r => RecoverAsync(system, $"persist-1-{r}", events)));
            foreach (var mb in new[] { 1, 50 })
            {
                var results = new List<(double Save, double Load)>();
                for (var r = 0; r < rounds; r++) results.Add(await SnapshotAsync(system, mb, mb == 1 ? 20 : 3));
                rows.Add(Row.Of($"Snapshot save, {mb} MB", "MB/s", null, results.Select(x => x.Save)));
                rows.Add(Row.Of($"Snapshot load, {mb} MB", "MB/s", null, results.Select(x => x.Load)));
            }
            Print(rows);
            var load50 = rows.First(r => r.Name == "Snapshot load, 50 MB").Median;
            Console.WriteLine($"50 MB snapshot load, signature verified: {50_000 / load50:N0} ms (goal < 1,000 ms: " +
                              $"{50_000 / load50 / 1000:0.00}x of the goal)");
            await CleanUpAsync(connectionString, prefix);
        }
        finally
        {
            await system.Terminate();
            Directory.Delete(Path.GetDirectoryName(keyFile)!, true);
        }
    }

    private enum Mode { Persist, PersistAll, PersistAsync }

    private static async Task<double> PersistAsync(ActorSystem system, string pid, int events, Mode mode)
    {
        var done = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        var actor = system.ActorOf(Props.Create(() => new BenchActor(pid, events, done)));
        await actor.Ask<string>("ready", TimeSpan.FromSeconds(30)); // recovery done before timing starts
        var clock = Stopwatch.StartNew();
        if (mode == Mode.PersistAll)
            for (var i = 0; i < events; i += 50) actor.Tell(new Batch(Enumerable.Range(i, Math.Min(50, events - i)).ToArray()));
        else
            for (var i = 0; i < events; i++) actor.Tell(mode == Mode.Persist ? new One(i) : new Async(i));
        await done.Task.WaitAsync(TimeSpan.FromMinutes(5));
        clock.Stop();
        system.Stop(actor);
        return events / clock.Elapsed.TotalSeconds;
    }

    private static async Task<double> PersistParallelAsync(ActorSystem system, string pidPrefix, int events, int actors)
    {
        var perActor = events / actors;
        var completions = Enumerable.Range(0, actors).Select(_ => new TaskCompletionSource<int>(
            TaskCreationOptions.RunContinuationsAsynchronously)).ToArray();
        var refs = Enumerable.Range(0, actors).Select(i => system.ActorOf(
            Props.Create(() => new BenchActor($"{pidPrefix}-{i}", perActor, completions[i])))).ToArray();
        await Task.WhenAll(refs.Select(r => r.Ask<string>("ready", TimeSpan.FromSeconds(30))));
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < perActor; i++)
            foreach (var actor in refs) actor.Tell(new One(i));
        await Task.WhenAll(completions.Select(c => c.Task)).WaitAsync(TimeSpan.FromMinutes(5));
        clock.Stop();
        foreach (var actor in refs) system.Stop(actor);
        return perActor * actors / clock.Elapsed.TotalSeconds;
    }

    private static async Task<double> RecoverAsync(ActorSystem system, string pid, int events)
    {
        var clock = Stopwatch.StartNew();
        var actor = system.ActorOf(Props.Create(() => new BenchActor(pid, int.MaxValue, new TaskCompletionSource<int>())));
        var recovered = await actor.Ask<int>("recovered", TimeSpan.FromMinutes(5));
        clock.Stop();
        system.Stop(actor);
        if (recovered != events) throw new InvalidOperationException($"recovered {recovered} events, expected {events}");
        return events / clock.Elapsed.TotalSeconds;
    }

    private static async Task<(double Save, double Load)> SnapshotAsync(ActorSystem system, int megabytes, int rounds)
    {
        var store = Akka.Persistence.Persistence.Instance.Apply(system).SnapshotStoreFor(null);
        var payload = new byte[megabytes * 1024 * 1024];
        new Random(1).NextBytes(payload);
        var pid = $"snapshot-{megabytes}mb";
        var timeout = TimeSpan.FromMinutes(2);
        // warm-up round, then measured rounds (every save overwrites older snapshots' keys via new sequence numbers)
        await store.Ask<SaveSnapshotSuccess>(new SaveSnapshot(new SnapshotMetadata(pid, 0, DateTime.UtcNow), payload), timeout);
        var save = Stopwatch.StartNew();
        for (var i = 1; i <= rounds; i++)
            await store.Ask<SaveSnapshotSuccess>(new SaveSnapshot(new SnapshotMetadata(pid, i, DateTime.UtcNow), payload), timeout);
        save.Stop();
        var load = Stopwatch.StartNew();
        for (var i = 1; i <= rounds; i++)
        {
            var result = await store.Ask<LoadSnapshotResult>(new LoadSnapshot(pid, new SnapshotSelectionCriteria(i), long.MaxValue), timeout);
            if (((byte[])result.Snapshot!.Snapshot).Length != payload.Length) throw new InvalidOperationException("snapshot size mismatch");
        }
        load.Stop();
        await store.Ask<DeleteSnapshotsSuccess>(new DeleteSnapshots(pid, SnapshotSelectionCriteria.Latest), timeout);
        double mb = (double)megabytes * rounds;
        return (mb / save.Elapsed.TotalSeconds, mb / load.Elapsed.TotalSeconds);
    }

    private sealed record Row(string Name, string Unit, double? Anchor, double Median, double Min, double Max)
    {
        public static Row Of(string name, string unit, double? anchor, IEnumerable<double> values)
        {
            var sorted = values.Order().ToArray();
            return new Row(name, unit, anchor, sorted[(sorted.Length - 1) / 2], sorted[0], sorted[^1]);
        }
    }

    private static async Task<Row> MeasureAsync(string name, string unit, double? anchor, int rounds, Func<int, Task<double>> measure)
    {
        var values = new List<double>();
        for (var r = 0; r < rounds; r++) values.Add(await measure(r));
        return Row.Of(name, unit, anchor, values);
    }

    private static void Print(List<Row> rows)
    {
        Console.WriteLine();
        Console.WriteLine($"{"Measurement",-34} {"Median",10} {"Min..Max",19} {"Unit",-9} {"Anchor 1.4.16",13} {"Ratio",7}");
        Console.WriteLine(new string('-', 97));
        foreach (var row in rows)
            Console.WriteLine($"{row.Name,-34} {row.Median,10:N0} {$"{row.Min:N0}..{row.Max:N0}",19} {row.Unit,-9} " +
                              $"{(row.Anchor is null ? "-" : row.Anchor.Value.ToString("N0")),13} " +
                                  $"{(row.Anchor is null ? "-" : (row.Median / row.Anchor.Value).ToString("0.00") + "x"),7}");
        Console.WriteLine();
        Console.WriteLine("Anchors: Akka.Persistence.Redis 1.4.16 JournalPerfSpec (other hardware); compare ratios with care.");
    }

    private static async Task CleanUpAsync(string connectionString, string prefix)
    {
        using var mux = await StackExchange.Redis.ConnectionMultiplexer.ConnectAsync(connectionString);
        var db = mux.GetDatabase();
        foreach (var endpoint in mux.GetEndPoints())
            foreach (var key in mux.GetServer(endpoint).Keys(pattern: prefix + "*", pageSize: 1000))
                await db.KeyDeleteAsync(key);
    }

    private sealed record One(int Value);
    private sealed record Async(int Value);
    private sealed record Batch(int[] Values);

    /// <summary>Persists what it is told, counts completions, and signals when <c>target</c> events are stored.</summary>
    private sealed class BenchActor : UntypedPersistentActor
    {
        private readonly int _target;
        private readonly TaskCompletionSource<int> _done;
        private int _recovered;
        private int _persisted;

        public BenchActor(string persistenceId, int target, TaskCompletionSource<int> done)
        {
            PersistenceId = persistenceId;
            _target = target;
            _done = done;
        }

        public override string PersistenceId { get; }

        protected override void OnRecover(object message)
        {
            if (message is int) _recovered++;
        }

        protected override void OnCommand(object message)
        {
            switch (message)
            {
                case One one: Persist(one.Value, Stored); break;
                case Async async: PersistAsync(async.Value, Stored); break;
                case Batch batch: PersistAll(batch.Values, Stored); break;
                case "ready": Sender.Tell("ready"); break;
                case "recovered": Sender.Tell(_recovered); break;
            }
        }

        private void Stored(int _)
        {
            if (++_persisted == _target) _done.TrySetResult(_persisted);
        }

        protected override void OnPersistFailure(Exception cause, object @event, long sequenceNr)
        {
            _done.TrySetException(cause);
            base.OnPersistFailure(cause, @event, sequenceNr);
        }
    }

    /// <summary>A throw-away redis-server (no persistence) on a free loopback port, killed on dispose.</summary>
    internal sealed class PrivateRedisServer : IDisposable
    {
        private readonly Process _process;
        private readonly string _directory;

        private PrivateRedisServer(Process process, string directory, int port)
        {
            _process = process;
            _directory = directory;
            ConnectionString = $"127.0.0.1:{port}";
        }

        public string ConnectionString { get; }

        public static PrivateRedisServer Start()
        {
            var executable = Environment.GetEnvironmentVariable("REDIS_SERVER") is { Length: > 0 } p ? p : "/usr/bin/redis-server";
            if (!File.Exists(executable))
                throw new InvalidOperationException($"redis-server not found at {executable}: install it or pass --redis.");
            int port;
            using (var listener = new TcpListener(IPAddress.Loopback, 0)) { listener.Start(); port = ((IPEndPoint)listener.LocalEndpoint).Port; }
            var directory = Directory.CreateTempSubdirectory("antinex-bench-redis-").FullName;
            var info = new ProcessStartInfo(executable) { UseShellExecute = false, RedirectStandardOutput = true, WorkingDirectory = directory };
            foreach (var arg in new[] { "--port", port.ToString(), "--bind", "127.0.0.1", "--dir", directory, "--save", "", "--appendonly", "no" })
                info.ArgumentList.Add(arg);
            var process = Process.Start(info)!;
            process.OutputDataReceived += (_, _) => { };
            process.BeginOutputReadLine();
            var server = new PrivateRedisServer(process, directory, port);
            for (var i = 0; i < 200; i++)
            {
                try
                {
                    using var mux = StackExchange.Redis.ConnectionMultiplexer.Connect(server.ConnectionString + ",connectTimeout=500");
                    mux.GetDatabase().Ping();
                    return server;
                }
                catch (StackExchange.Redis.RedisConnectionException) { Thread.Sleep(50); }
            }
            server.Dispose();
            throw new TimeoutException("the private redis-server did not answer PING");
        }

        public void Dispose()
        {
            try { if (!_process.HasExited) { _process.Kill(); _process.WaitForExit(5000); } } catch (InvalidOperationException) { }
            _process.Dispose();
            try { Directory.Delete(_directory, true); } catch (IOException) { }
        }
    }
}
