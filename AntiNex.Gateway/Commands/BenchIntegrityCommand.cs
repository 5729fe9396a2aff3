using System.CommandLine;
using System.Diagnostics;
using System.IO.Hashing;
using System.Security.Cryptography;
using Akka.Actor;
using Akka.Configuration;
using Akka.Persistence;
using AntiNex.Persistence.Redis;
using AntiNex.Persistence.Signing;

namespace AntiNex.Gateway.Commands;

/// <summary>
/// <c>antinex-gateway bench integrity [--redis CONNSTR] [--mb 50] [--rounds 5]</c>: what model signing costs. HMAC-SHA256
/// throughput in memory, then the same snapshot saved and loaded through the Redis snapshot store without and with a
/// signing key (own redis-server and a throw-away key unless --redis is given; never a user's store or key).
/// </summary>
internal static class BenchIntegrityCommand
{
    public static Command Create()
    {
        var redis = new Option<string?>(
            "--redis")
        { Description = "StackExchange.Redis configuration string; default: a private redis-server on a free port." };
        var megabytes = new Option<int>("--mb") { Description = "Snapshot size in MB.", DefaultValueFactory = _ => 50 };
        var rounds = new Option<int>("--rounds")
        {
            Description = "Repetitions; the median is reported with the range.",
            DefaultValueFactory = _ => 5
        };
        var command = new Command("integrity", "Measure model signing: HMAC-SHA256 MB/s and the time it adds to a snapshot save and load.")
            { redis, megabytes, rounds };
        command.SetAction(async (p, _) =>
        {
            await RunAsync(p.GetValue(redis), Math.Clamp(p.GetValue(megabytes), 1, 400), Math.Clamp(p.GetValue(rounds), 1, 50));
            return 0;
        });
        return command;
    }

    private static async Task RunAsync(string? connectionString, int megabytes, int rounds)
    {
        using var ownServer = connectionString is null ? BenchPersistenceCommand.PrivateRedisServer.Start() : null;
        connectionString ??= ownServer!.ConnectionString;
        var keyDir = Directory.CreateTempSubdirectory("antinex-bench-key-");
        try
        {
            var keyFile = Path.Combine(keyDir.FullName, "model.key");
            File.WriteAllText(keyFile, Convert.ToBase64String(RandomNumberGenerator.GetBytes(48)));
            var payload = new byte[megabytes * 1024 * 1024];
            new Random(1).NextBytes(payload);
            Console.WriteLine($"Snapshot: {megabytes} MB   rounds: {rounds} (median shown)   Redis: {RedisSecrets.Redact(connectionString)}" +
                              $"{(ownServer is null ? "" : " (private, --save \"\" --appendonly no)")}");
            Console.WriteLine($"Host: {Environment.ProcessorCount} cores, .NET {Environment.Version}" +
                              (File.Exists("/proc/loadavg") ? $"; load average at start: {File.ReadAllText("/proc/loadavg").Trim()}" : ""));

            var signer = new SnapshotSigner(SigningKey.FromFile(keyFile, "bench key"));
            var identity = new SnapshotIdentity("model-bench", 1, DateTime.UtcNow.Ticks, 4711, "snapshot.v1");
            var hmac = Measure(rounds, () => signer.Sign(identity, payload)).Select(s => megabytes / s).ToList();
            var xxhash = Measure(rounds, () => XxHash3.HashToUInt64(payload)).Select(s => megabytes / s).ToList();

            // Both stores run side by side and take turns each round, so a change in machine load hits both alike.
            var plainSystem = StoreSystem(connectionString, null);
            var signedSystem = StoreSystem(connectionString, keyFile);
            var plain = (Save: new List<double>(), Load: new List<double>());
            var signed = (Save: new List<double>(), Load: new List<double>());
            try
            {
                for (var round = 0; round <= rounds; round++) // round 0 warms up
                {
                    var (ps, pl) = await SaveAndLoadAsync(plainSystem, payload, round);
                    var (ss, sl) = await SaveAndLoadAsync(signedSystem, payload, round);
                    if (round == 0) continue;
                    plain.Save.Add(ps); plain.Load.Add(pl);
                    signed.Save.Add(ss); signed.Load.Add(sl);
                }
            }
            finally
            {
                await plainSystem.Terminate();
                await signedSystem.Terminate();
            }

            Console.WriteLine();
            Console.WriteLine($"{"Measurement",-44} {"Median",10} {"Min..Max",21} {"Unit",-5}");
            Console.WriteLine(new string('-', 84));
            Line("HMAC-SHA256 (sign or verify), in memory", hmac, "MB/s");
            Line("XxHash3 checksum (always on), in memory", xxhash, "MB/s");
            Line($"Snapshot save {megabytes} MB, unsigned", plain.Save, "ms");
            Line($"Snapshot save {megabytes} MB, signed", signed.Save, "ms");
            Line($"Snapshot load {megabytes} MB, unverified", plain.Load, "ms");
            Line($"Snapshot load {megabytes} MB, verified", signed.Load, "ms");
            Console.WriteLine();
            Console.WriteLine(
                $"Added by signing: save {Median(signed.Save) - Median(plain.Save):+0;-0} ms, load " +
                $"{Median(signed.Load) - Median(plain.Load):+0;-0} ms " +
                              $"(HMAC alone: {megabytes / Median(hmac) * 1000:0} ms per {megabytes} MB). On a loaded machine the Redis rows vary " +
                                  $"by more than that.");
        }
        finally { keyDir.Delete(recursive: true); }
    }

    private static List<double> Measure(int rounds, Action action)
    {
        action(); // warm-up
        var seconds = new List<double>();
        for (var r = 0; r < rounds; r++)
        {
            var clock = Stopwatch.StartNew();
            action();
            seconds.Add(clock.Elapsed.TotalSeconds);
        }
        return seconds;
    }

    /// <summary>An actor system whose default snapshot store is ours, signed when a key file is given (own key prefix).</summary>
    private static ActorSystem StoreSystem(string connectionString, string? keyFile)
    {
        var prefix = $"bench-{Guid.NewGuid():N}"[..14] + ":";
        var cs = connectionString.Replace("\"", "\\\"");
        var config = ConfigurationFactory.ParseString($$"""
            akka.loglevel = ERROR
            akka.persistence.snapshot-store.plugin = "akka.persistence.snapshot-store.redis"
            akka.persistence.journal.plugin = "akka.persistence.journal.redis"
            akka.persistence.journal.redis { configuration-string = "{{cs}}", key-prefix = "{{prefix}}" }
            akka.persistence.snapshot-store.redis {
              configuration-string = "{{cs}}", key-prefix = "{{prefix}}", signing-key-file = "{{keyFile ?? ""}}"
            }
            """).WithFallback(RedisPersistenceConfig.DefaultConfig());
        return ActorSystem.Create(keyFile is null ? "bench-unsigned" : "bench-signed", config);
    }

    /// <summary>One save then one load of the payload (ms each); the snapshot is deleted afterwards.</summary>
    private static async Task<(double Save, double Load)> SaveAndLoadAsync(ActorSystem system, byte[] payload, int seqNr)
    {
        var store = Akka.Persistence.Persistence.Instance.Apply(system).SnapshotStoreFor(null);
        var timeout = TimeSpan.FromMinutes(2);
        var clock = Stopwatch.StartNew();
        await store.Ask<SaveSnapshotSuccess>(new SaveSnapshot(new SnapshotMetadata("bench", seqNr, DateTime.UtcNow), payload), timeout);
        var saved = clock.Elapsed.TotalMilliseconds;
        clock.Restart();
        var result = await store.Ask<LoadSnapshotResult>(new LoadSnapshot("bench", new SnapshotSelectionCriteria(seqNr), long.MaxValue), timeout);
        var loaded = clock.Elapsed.TotalMilliseconds;
        if (((byte[]?)result.Snapshot?.Snapshot)?.Length != payload.Length) throw new InvalidOperationException("snapshot did not load back");
        await store.Ask<DeleteSnapshotsSuccess>(new DeleteSnapshots("bench", new SnapshotSelectionCriteria(seqNr)), timeout);
        return (saved, loaded);
    }

    private static double Median(List<double> values) => values.Order().ElementAt((values.Count - 1) / 2);

    private static void Line(string name, List<double> values, string unit) =>
        Console.WriteLine($"{name,-44} {Median(values),10:N0} {$"{values.Min():N0}..{values.Max():N0}",21} {unit,-5}");
}
