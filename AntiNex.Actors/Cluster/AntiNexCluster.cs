// Akka.Hosting setup shared by cluster nodes (role "model": host the model shards) and gateways (role "gateway":
// a shard-region proxy, no shards). Every process of one cluster must agree on: system name, serializer, shard
// count, SBR settings.
using Akka.Actor;
using Akka.Cluster.Hosting;
using Akka.Cluster.Hosting.SBR;
using Akka.Cluster.Sharding;
using Akka.Configuration;
using Akka.Hosting;
using Akka.Remote.Hosting;
using AntiNex.Cluster.Security;
using AntiNex.Models;

namespace AntiNex.Cluster;

public static class AntiNexRoles
{
    public const string Model = Replicas.ReplicaKeeper.ModelRole;
    public const string Gateway = "gateway";
}

/// <summary>Marker for the shard region / proxy in the ActorRegistry.</summary>
public sealed class ModelRegion;

/// <summary>Marker for this node's <see cref="ModelDirectory"/> in the ActorRegistry.</summary>
public sealed class ModelDirectoryKey;

public sealed record AntiNexClusterOptions
{
    public const string SystemName = "antinex";
    public const string RegionName = "model";

    public string Hostname { get; init; } = "127.0.0.1";
    public string? PublicHostname { get; init; }
    public int Port { get; init; } = 4053;
    /// <summary>akka.tcp://antinex@host:port addresses; empty = this node seeds a new cluster by joining itself.</summary>
    public IReadOnlyList<string> Seeds { get; init; } = [];
    /// <summary>On: no seed nodes in the configuration; the <see cref="JoinGuard"/> joins (it looks for a live cluster
    /// first, so a restarted first seed never forms a second one).</summary>
    public bool GuardedJoin { get; init; }
    public IReadOnlyList<string> Roles { get; init; } = [AntiNexRoles.Model];
    /// <summary>Failure detector, split-brain resolver and shard hand-off timings (defaults from the cluster size).</summary>
    public FailureDetection Failure { get; init; } = new();
    /// <summary>Remote frame limit: prediction replies for big predict_rows/dataset requests can exceed 128 kB; artifacts
    /// go to the snapshot store, and the copies a serve gateway fetches travel in pieces below the frame, so 4 MB is
    /// plenty and bounds head-of-line blocking.</summary>
    public long MaxFrameBytes { get; init; } = 4 * 1024 * 1024;
    /// <summary>Mutual TLS identity (certificate + pinned cluster CA); null = plaintext akka.tcp (--insecure only).</summary>
    public ClusterCredentials? Tls { get; init; }

    public static string SeedAddress(string host, int port) => $"akka.tcp://{SystemName}@{host}:{port}";
}

public static class AntiNexClusterHosting
{
    /// <summary>Remote + cluster + serializer + shared HOCON, for every process of the cluster.</summary>
    public static AkkaConfigurationBuilder WithAntiNexCluster(this AkkaConfigurationBuilder builder, AntiNexClusterOptions o)
    {
        // Akka binds every interface for a blank host name; each process's settings default to loopback instead.
        if (string.IsNullOrWhiteSpace(o.Hostname)) throw new ArgumentException("hostname: blank (it would listen on every interface)");
        var tls = o.Tls is not null;
        var seeds = (o.Seeds.Count > 0 ? o.Seeds.ToArray() : [AntiNexClusterOptions.SeedAddress(o.PublicHostname ?? o.Hostname, o.Port)])
            .Select(seed => TransportScheme.Seed(seed, tls)).ToArray();
        var remote = new RemoteOptions
        {
            HostName = o.Hostname,
            Port = o.Port,
            PublicHostName = o.PublicHostname,
            MaxFrameSize = o.MaxFrameBytes,
            SendBufferSize = o.MaxFrameBytes * 2,
            ReceiveBufferSize = o.MaxFrameBytes * 2,
        };
        if (o.Tls is { } credentials)
        {
            remote.EnableSsl = true;
            remote.Ssl = new SslOptions
            {
                X509Certificate = credentials.Certificate,
                SuppressValidation = false,
                // Both sides present a certificate; identity is "issued by the cluster CA", not a host name (nodes
                // are reached by IP, by pod DNS name or through NAT).
                RequireMutualAuthentication = true,
                ValidateCertificateHostname = false,
                CustomValidator = CaPinnedValidator.For(credentials.Ca),
            };
        }
        builder
            .WithRemoting(remote)
            .WithClustering(new ClusterOptions
            {
                Roles = o.Roles.ToArray(),
                SeedNodes = o.GuardedJoin ? [] : seeds,
                // Only model nodes count: gateways come and go and must not tip the vote.
                SplitBrainResolver = o.Failure.Strategy == DowningStrategy.KeepOldest
                    ? new KeepOldestOption { Role = AntiNexRoles.Model, DownIfAlone = true }
                    : new KeepMajorityOption { Role = AntiNexRoles.Model },
            })
            .WithCustomSerializer(AntiNexSerializer.Name, [typeof(IAntiNexMessage)], system => new AntiNexSerializer(system))
            .AddHocon(ConfigurationFactory.ParseString(SharedHocon(o)), HoconAddMode.Prepend)
            .WithActors((system, _) => ClusterIdentity.Get(system).Subject = o.Tls?.Subject);
        return builder;
    }

    private static string Ms(TimeSpan t) => $"{(long)t.TotalMilliseconds}ms";

    internal static string SharedHocon(AntiNexClusterOptions o) => $$"""
        akka {
          coordinated-shutdown.run-by-clr-shutdown-hook = on
          coordinated-shutdown.exit-clr = off
          # A stopping member hands its shards off within handoff-timeout; the phase that waits for it (10 s by default)
          # must not cut it short, or entities still storing a snapshot are stopped mid-write.
          coordinated-shutdown.phases.cluster-sharding-shutdown-region.timeout = {{Ms(o.Failure.HandOffTimeout + TimeSpan.FromSeconds(5))}}
          cluster {
            run-coordinated-shutdown-when-down = on
            # Membership moves (Joining -> Up, Leaving -> Exiting -> Removed) wait for gossip convergence and a leader
            # round; at the 1 s defaults a one-shot console spent most of its 5-9 s there. Faster rounds cost a few small
            # messages a second in a cluster of a few members; failure detection has its own timers (below).
            gossip-interval = 200ms
            leader-actions-interval = 200ms
            periodic-tasks-initial-delay = 200ms
            failure-detector.heartbeat-interval = {{Ms(o.Failure.HeartbeatInterval)}}
            failure-detector.acceptable-heartbeat-pause = {{Ms(o.Failure.AcceptableHeartbeatPause)}}
            split-brain-resolver.stable-after = {{Ms(o.Failure.EffectiveStableAfter)}}
            # Shards and the coordinator of a downed node restart elsewhere only after this margin (see FailureDetection).
            down-removal-margin = {{Ms(o.Failure.EffectiveRemovalMargin)}}
            # Off: with Akka's default, reachability that keeps changing for stable-after plus three quarters of it (a node
            # restarting in a loop) downs every member. Off, the resolver decides once things are stable; the cost is
            # Akka's extra guard against a network that flaps that long (README, Failover).
            split-brain-resolver.down-all-when-unstable = off
            sharding {
              # Coordinator state in DData (not in the Redis journal): nothing to repair after crashes; remember-entities
              # off: entities wake on their next message and restore from their snapshot.
              state-store-mode = ddata
              remember-entities = off
              # The newer allocation strategy. A round may move a quarter of the 100 shards (at most 25): a node joining
              # a 3-node cluster receives its whole share (25) in one round, a larger cluster's newcomer its share or
              # more. Rounds every second: a joining node holds shards about a second after it is Up. Moved entities
              # wake on their next message (remember-entities off), so a round costs hand-offs, not model loads.
              least-shard-allocation-strategy {
                rebalance-absolute-limit = 25
                rebalance-relative-limit = 0.25
              }
              rebalance-interval = 1s
              retry-interval = {{Ms(o.Failure.ShardRetryInterval)}}
              handoff-timeout = {{Ms(o.Failure.HandOffTimeout)}}
              coordinator-failure-backoff = {{Ms(o.Failure.ShardRetryInterval * 2)}}
            }
            distributed-data.durable.keys = []
          }
          remote.log-frame-size-exceeding = 1000000b
        }
        """;

    /// <summary>A model node: hosts the model shards plus its model directory.</summary>
    public static AkkaConfigurationBuilder WithModelShards(this AkkaConfigurationBuilder builder, ModelRuntime runtime)
    {
        builder.WithShardRegion<ModelRegion>(AntiNexClusterOptions.RegionName,
            (_, _) => entityId => ModelEntity.Props(entityId, runtime),
            new ModelMessageExtractor(),
            new ShardOptions
            {
                Role = AntiNexRoles.Model,
                RememberEntities = false,
                StateStoreMode = StateStoreMode.DData,
                HandOffStopMessage = StopEntity.Instance,
                // Entities passivate themselves (idle timer / LRU): they know when a training is still running.
                ShouldPassivateIdleEntities = false,
            });
        builder.WithActors((system, registry) =>
        {
            var region = registry.Get<ModelRegion>();
            var directory = system.ActorOf(ModelDirectory.Props(region, new CachedModelCatalog(runtime.Catalog),
                TimeSpan.FromSeconds(30), runtime.NodeName), ModelDirectory.Name);
            registry.Register<ModelDirectoryKey>(directory);
            // Model search: trials from any gateway's search coordinator run in this node's training slots.
            system.ActorOf(TrialRunner.Props(runtime), TrialRunner.Name);
            // Trainings accepted by a node that died or moved mid-way run again on the label's next holder.
            system.ActorOf(TrainingResumer.Props(region, runtime.TrainingsInFlight), TrainingResumer.Name);
            system.ActorOf(ShardArrival.Props(region), ShardArrival.Name);
            system.ActorOf(TrainedModelReclaimer.Props(), TrainedModelReclaimer.Name);
        });
        return builder;
    }

    /// <summary>A gateway: a proxy to the model shards, hosting none.</summary>
    public static AkkaConfigurationBuilder WithModelShardProxy(this AkkaConfigurationBuilder builder)
        => builder.WithShardRegionProxy<ModelRegion>(AntiNexClusterOptions.RegionName, AntiNexRoles.Model, new ModelMessageExtractor());
}
