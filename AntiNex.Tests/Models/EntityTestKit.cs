// In-process actor tests of the model entity: an actor system set up through Akka.Hosting (as nodes do) with the
// persistence test kit's in-memory journal and snapshot store, whose writes a test can delay or fail; real TorchSharp
// trainings on small generated datasets. (Akka.Hosting.TestKit 1.5.73 is built on xunit v3; this project runs xunit 2,
// so the xunit 2 TestKit drives a system built by Akka.Hosting.)
using Akka.Actor;
using Akka.Cluster.Sharding;
using Akka.Hosting;
using Akka.Persistence;
using Akka.Persistence.TestKit;
using AntiNex.Models;
using AntiNex.Tests.Data;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace AntiNex.Tests.Models;

public abstract class EntityTestKit : Akka.TestKit.Xunit2.TestKit
{
    private const string Hocon = """
        akka.persistence.journal.plugin = "akka.persistence.journal.test"
        akka.persistence.journal.test {
          class = "Akka.Persistence.TestKit.TestJournal, Akka.Persistence.TestKit"
          plugin-dispatcher = "akka.actor.default-dispatcher"
        }
        akka.persistence.snapshot-store.plugin = "akka.persistence.snapshot-store.test"
        akka.persistence.snapshot-store.test {
          class = "Akka.Persistence.TestKit.TestSnapshotStore, Akka.Persistence.TestKit"
          plugin-dispatcher = "akka.actor.default-dispatcher"
        }
        """;

    private readonly IHost _host;

    protected EntityTestKit() : this(StartHost()) { }

    private EntityTestKit(IHost host) : base(host.Services.GetRequiredService<ActorSystem>())
    {
        _host = host;
    }

    private static IHost StartHost()
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Services.AddAkka("entity-tests", (akka, _) => akka.AddHocon(Hocon, HoconAddMode.Prepend));
        var host = builder.Build();
        host.StartAsync().GetAwaiter().GetResult();
        return host;
    }

    protected ITestJournal Journal => TestJournal.FromRef(Akka.Persistence.Persistence.Instance.Apply(Sys).JournalFor(null));
    protected ITestSnapshotStore Snapshots => TestSnapshotStore.FromRef(Akka.Persistence.Persistence.Instance.Apply(Sys).SnapshotStoreFor(null));

    protected static readonly TimeSpan Long = TimeSpan.FromSeconds(90);
    private readonly EngineTestData.TempRoot _root = CreateRoot();

    protected TrainingScheduler Scheduler { get; } = new(1);

    /// <summary>The node's catalog, shared by every entity of the test (as on a node).</summary>
    protected IModelCatalog Catalog { get; init; } = new InMemoryModelCatalog();

    protected ModelRuntime Runtime => new(_root.Roots, EngineTestData.SingleThread, Scheduler, new LoadedModels(10),
        Catalog, TimeSpan.FromMinutes(10), "test-node")
    { ProgressInterval = TimeSpan.FromMilliseconds(50) };

    private static EngineTestData.TempRoot CreateRoot()
    {
        var root = new EngineTestData.TempRoot();
        root.Write("blobs.csv", EngineTestData.BinaryCsv(160, 5));
        root.Write("big.csv", EngineTestData.BinaryCsv(4000, 6));
        return root;
    }

    /// <summary>A quick training (a second or two).</summary>
    protected static string QuickRequest(int seed = 3) => EngineTestData.BinaryRequest(epochs: 3, splits: 0, seed: seed);

    /// <summary>A short training that still runs long enough (about 5 s on a quiet machine) to be reached by a next
    /// message before it ends, even when a busy machine delays the test's own thread for seconds.</summary>
    protected static string SteadyRequest() => EngineTestData.BinaryRequest(epochs: 1500, splits: 0);

    /// <summary>A training that runs for minutes unless cancelled.</summary>
    protected static string SlowRequest() => EngineTestData.BinaryRequest(dataset: "big.csv", epochs: 5000, splits: 0);

    /// <summary>The entity under a stand-in for its shard: passivation and restarts as sharding does them. Until
    /// <paramref name="busyUntil"/> completes, the stand-in learns of the entity's stops late, as a busy shard does.</summary>
    protected IActorRef Entity(string id, IActorRef? stopped = null, Task? busyUntil = null)
        => Sys.ActorOf(Props.Create(() => new ShardStandIn(ModelEntity.Props(id, Runtime), stopped ?? ActorRefs.Nobody, busyUntil)));

    protected async Task<ModelDescription> Describe(IActorRef entity, string id)
        => await entity.Ask<ModelDescription>(new DescribeModel(id), TimeSpan.FromSeconds(30));

    /// <summary>The final reply a probe gets (progress messages skipped).</summary>
    protected static async Task<object> Final(Akka.TestKit.TestProbe probe)
        => await probe.FishForMessageAsync(m => m is not (TrainingQueued or TrainingStarted or TrainingProgressed), Long);

    /// <summary>Waits until <paramref name="caller"/> is told its training started. The notice is pushed, so a short
    /// training cannot slip between two polls; a final reply instead fails at once, naming what it said.</summary>
    protected static async Task WaitForStart(Akka.TestKit.TestProbe caller)
    {
        var notice = await caller.FishForMessageAsync(m => m is not (TrainingQueued or TrainingProgressed), Long);
        if (notice is not TrainingStarted) Assert.Fail($"the training did not start; its caller was told {notice}");
    }

    /// <summary>Holds every snapshot save until <see cref="SaveGate.Open"/>: the test acts while the entity stores, however
    /// long the machine delays the test's own thread.</summary>
    protected async Task<SaveGate> HoldSaves()
    {
        var gate = new SaveGate();
        await Snapshots.OnSave.SetInterceptorAsync(gate);
        return gate;
    }

    protected sealed class SaveGate : ISnapshotStoreInterceptor
    {
        private readonly TaskCompletionSource _open = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task InterceptAsync(string persistenceId, SnapshotSelectionCriteria criteria) => _open.Task;

        public void Open() => _open.TrySetResult();
    }

    protected async Task WaitForState(IActorRef entity, string id, string state)
    {
        await AwaitConditionAsync(async () => (await Describe(entity, id)).State == state, Long, TimeSpan.FromMilliseconds(20));
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (!disposing) return;
        _host.StopAsync().GetAwaiter().GetResult();
        _host.Dispose();
        _root.Dispose();
    }

    /// <summary>Creates the entity on its first message and again after it stopped; answers Passivate with the
    /// entity's stop message and, as a shard does, holds the messages that arrive while the entity passivates, then
    /// delivers them to a new one; tells <paramref name="stopped"/> whenever the entity stops. Until
    /// <paramref name="busyUntil"/> completes it handles a stop late: what arrives meanwhile goes to the stopped
    /// entity (and is lost, as in a shard) unless the entity asked to passivate.</summary>
    private sealed class ShardStandIn : ReceiveActor
    {
        private IActorRef? _entity;
        private List<(object Message, IActorRef Sender)>? _held;

        public ShardStandIn(Props entity, IActorRef stopped, Task? busyUntil)
        {
            Receive<Passivate>(p =>
            {
                _held ??= [];
                Sender.Tell(p.StopMessage);
            });
            Receive<Terminated>(t =>
            {
                if (!t.ActorRef.Equals(_entity)) return;
                // Its own message: Akka drops a Terminated sent again.
                if (busyUntil is { IsCompleted: false })
                    busyUntil.ContinueWith(_ => new StopSeenLate(t.ActorRef), TaskScheduler.Default).PipeTo(Self);
                else OnStopped(entity, stopped);
            });
            Receive<StopSeenLate>(s =>
            {
                if (s.Entity.Equals(_entity)) OnStopped(entity, stopped);
            });
            ReceiveAny(m =>
            {
                if (_held is not null) _held.Add((m, Sender));
                else Deliver(entity, m, Sender);
            });
        }

        private void OnStopped(Props entity, IActorRef stopped)
        {
            _entity = null;
            stopped.Tell(new EntityStopped());
            var held = _held ?? [];
            _held = null;
            foreach (var (message, sender) in held) Deliver(entity, message, sender);
        }

        private void Deliver(Props entity, object message, IActorRef sender)
        {
            _entity ??= Context.Watch(Context.ActorOf(entity));
            _entity.Tell(message, sender);
        }

        private sealed record StopSeenLate(IActorRef Entity);
    }

    protected sealed record EntityStopped;
}
