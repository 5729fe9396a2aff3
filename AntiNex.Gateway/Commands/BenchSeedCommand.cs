using System.CommandLine;
using System.Diagnostics;
using Akka.Actor;
using Akka.Configuration;
using Akka.Persistence;
using AntiNex.Models;
using AntiNex.Persistence.Redis;
using StackExchange.Redis;

namespace AntiNex.Gateway.Commands;

/// <summary>
/// <c>antinex-gateway bench seed --template LABEL --count N --prefix P --model-key-file FILE</c>: stores N copies of a
/// trained label's model under the labels P0..P(N-1), written the way an entity writes them (a version event, then a
/// signed snapshot, through the Redis persistence plugin) and listed in the model catalog. Many-label benchmarks use it
/// instead of N trainings. Redis: --redis, else $ANTINEX_REDIS; credentials from $ANTINEX_REDIS_USER/_PASSWORD_FILE.
/// </summary>
internal static class BenchSeedCommand
{
    public static Command Create()
    {
        var template = new Option<string>("--template") { Description = "Trained label whose stored model is copied", Required = true };
        var count = new Option<int>("--count") { Description = "Labels to store", DefaultValueFactory = _ => 1000 };
        var prefix = new Option<string>("--prefix")
        { Description = "Label prefix: labels are PREFIX0 .. PREFIX(N-1)", DefaultValueFactory = _ => "scale-" };
        var keyFile = new Option<string>("--model-key-file") { Description = "The cluster's model signing key file", Required = true };
        var redis = new Option<string?>("--redis") { Description = "Redis of the cluster (default $ANTINEX_REDIS)" };
        var redisPrefix = new Option<string>("--redis-prefix") { Description = "Key prefix of the cluster", DefaultValueFactory = _ => "antinex:" };
        var parallel = new Option<int>("--parallel") { Description = "Labels written at once", DefaultValueFactory = _ => 64 };
        var command = new Command("seed", "Store N copies of a trained model under new labels, signed, through the persistence plugin.")
            { template, count, prefix, keyFile, redis, redisPrefix, parallel };
        command.SetAction(async (p, ct) =>
        {
            var connection = p.GetValue(redis) ?? Environment.GetEnvironmentVariable("ANTINEX_REDIS") ?? "127.0.0.1:6379";
            await RunAsync(RedisCredentials.Apply(connection), p.GetValue(redisPrefix)!, p.GetValue(keyFile)!, p.GetValue(template)!,
                Math.Max(1, p.GetValue(count)), p.GetValue(prefix)!, Math.Max(1, p.GetValue(parallel)), ct);
            return ExitCodes.Ok;
        });
        return command;
    }

    private static async Task RunAsync(ConfigurationOptions redis, string keyPrefix, string keyFile, string template, int count,
        string prefix, int parallel, CancellationToken ct)
    {
        var cs = redis.ToString(includePassword: true).Replace("\"", "\\\"");
        var key = Path.GetFullPath(keyFile).Replace("\\", "\\\\");
        var config = ConfigurationFactory.ParseString($$"""
            akka.loglevel = WARNING
            akka.actor.serializers.antinex = "AntiNex.Cluster.AntiNexSerializer, AntiNex.Actors"
            akka.actor.serialization-bindings { "AntiNex.Models.IAntiNexMessage, AntiNex.Actors" = antinex }
            akka.persistence.journal.plugin = "akka.persistence.journal.redis"
            akka.persistence.snapshot-store.plugin = "akka.persistence.snapshot-store.redis"
            akka.persistence.journal.redis { configuration-string = "{{cs}}", key-prefix = "{{keyPrefix}}", signing-key-file = "{{key}}" }
            akka.persistence.snapshot-store.redis { configuration-string = "{{cs}}", key-prefix = "{{keyPrefix}}", signing-key-file = "{{key}}" }
            """).WithFallback(RedisPersistenceConfig.DefaultConfig());
        var system = ActorSystem.Create("antinex-seed", config);
        try
        {
            var store = Akka.Persistence.Persistence.Instance.Apply(system).SnapshotStoreFor(null);
            var loaded = await store.Ask<LoadSnapshotResult>(new LoadSnapshot(ModelIds.PersistenceId(ModelIds.FromLabel(template)),
                SnapshotSelectionCriteria.Latest, long.MaxValue), TimeSpan.FromSeconds(60));
            if (loaded.Snapshot?.Snapshot is not StoredModelSnapshot model)
                throw new UsageException($"--template: label '{template}' has no stored model");
            var catalog = RedisModelCatalog.On(RedisPluginConnection.Open(redis.ToString(includePassword: true), keyPrefix, "antinex-seed"));
            var clock = Stopwatch.StartNew();
            using var gate = new SemaphoreSlim(parallel);
            var tasks = Enumerable.Range(0, count).Select(async i =>
            {
                await gate.WaitAsync(ct);
                try
                {
                    var label = prefix + i;
                    // Not the template's pending trainings: a seeded label has none of its own.
                    var copy = model with { Label = label, Version = 1, Summary = model.Summary with { Label = label }, PendingRequests = null };
                    var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                    system.ActorOf(Props.Create(() => new Writer(ModelIds.PersistenceId(ModelIds.FromLabel(label)), copy, done)));
                    await done.Task.WaitAsync(TimeSpan.FromMinutes(2), ct);
                    await catalog.AddAsync(ModelIds.FromLabel(label), ModelCard.Of(copy));
                }
                finally { gate.Release(); }
            }).ToList();
            await Task.WhenAll(tasks);
            var seconds = clock.Elapsed.TotalSeconds;
            Console.WriteLine($"stored {count:N0} models ({prefix}0 .. {prefix}{count - 1}, artifact {model.Artifact.Length:N0} bytes each) " +
                              $"in {seconds:F1} s ({count / seconds:N0} models/s), signed, listed in the model catalog");
        }
        finally { await system.Terminate(); }
    }

    /// <summary>Writes what an entity writes for a first version: the version event, then the snapshot.</summary>
    private sealed class Writer : ReceivePersistentActor
    {
        public override string PersistenceId { get; }

        public Writer(string persistenceId, StoredModelSnapshot snapshot, TaskCompletionSource done)
        {
            PersistenceId = persistenceId;
            Recover<RecoveryCompleted>(_ =>
            {
                if (LastSequenceNr > 0)
                {
                    done.TrySetException(new UsageException($"{persistenceId} already has stored state; choose another --prefix"));
                    Context.Stop(Self);
                    return;
                }
                Persist(new StoredModelTrained(1, snapshot.TrainedUtc, snapshot.Summary, snapshot.Metrics), _ => SaveSnapshot(snapshot));
            });
            Command<SaveSnapshotSuccess>(_ => { done.TrySetResult(); Context.Stop(Self); });
            Command<SaveSnapshotFailure>(f => { done.TrySetException(f.Cause); Context.Stop(Self); });
        }
    }
}
