using Akka.Actor;
using Akka.Persistence;
using AntiNex.Models;

namespace AntiNex.Tests.Models;

/// <summary>A label trained again and again keeps a bounded store: once a version's snapshot is stored, the snapshots
/// older than the kept previous one and the events up to it (accepted requests' text included) are deleted. What they
/// recorded lives on in the snapshots: a restarted entity serves the latest version, still refuses a finished request
/// sent again, and still runs a queued request whose accepted event was deleted.</summary>
public sealed class JournalTrimTests : EntityTestKit
{
    [Fact]
    public async Task Events_and_snapshots_behind_the_previous_version_are_deleted_and_a_restart_loses_nothing()
    {
        var stopped = CreateTestProbe();
        var entity = Entity("trim", stopped.Ref);
        var caller = CreateTestProbe();
        for (var i = 1; i <= 3; i++)
        {
            entity.Tell(new TrainModel("trim", QuickRequest(seed: i), null, $"r{i}"), caller.Ref);
            Assert.Equal(i, Assert.IsType<ModelTrainedReply>(await Final(caller)).Version);
        }

        // r3's accepted and trained events stay (after version 2's snapshot); everything older goes, in the background.
        await AwaitConditionAsync(async () => (await StoredEvents("trim")).Count == 2, Long, TimeSpan.FromMilliseconds(50));
        var events = await StoredEvents("trim");
        Assert.Equal("r3", Assert.IsType<StoredTrainingAccepted>(events[0]).RequestId);
        Assert.Equal(3, Assert.IsType<StoredModelTrained>(events[1]).Version);
        Assert.Equal([2L, 3L], await StoredSnapshotVersions("trim"));

        entity.Tell(StopEntity.Instance);
        await stopped.ExpectMsgAsync<EntityStopped>(TimeSpan.FromSeconds(20));
        Assert.Equal(3, (await Describe(entity, "trim")).Version);
        entity.Tell(new TrainModel("trim", QuickRequest(seed: 1), null, "r1"), caller.Ref);
        var refused = Assert.IsType<ModelFailed>(await Final(caller));
        Assert.Equal("already-trained", refused.Code);
        entity.Tell(new TrainModel("trim", QuickRequest(seed: 4), null, "r4"), caller.Ref);
        Assert.Equal(4, Assert.IsType<ModelTrainedReply>(await Final(caller)).Version);
    }

    [Fact]
    public async Task A_queued_request_whose_accepted_event_was_trimmed_still_runs_after_a_hand_off()
    {
        var stopped = CreateTestProbe();
        var entity = Entity("trim-queue", stopped.Ref);
        var first = CreateTestProbe();
        var second = CreateTestProbe();
        var third = CreateTestProbe();
        entity.Tell(new TrainModel("trim-queue", SteadyRequest(), first.Ref, "r1"), first.Ref);
        await WaitForStart(first);
        entity.Tell(new TrainModel("trim-queue", QuickRequest(), second.Ref, "r2"), second.Ref);
        await second.FishForMessageAsync<TrainingQueued>(_ => true, Long);
        entity.Tell(new TrainModel("trim-queue", SlowRequest(), third.Ref, "r3"), third.Ref);
        await third.FishForMessageAsync<TrainingQueued>(_ => true, Long);
        Assert.Equal(1, Assert.IsType<ModelTrainedReply>(await Final(first)).Version);
        Assert.Equal(2, Assert.IsType<ModelTrainedReply>(await Final(second)).Version);

        // Version 2's store trimmed the journal up to version 1's snapshot, r3's accepted event with it.
        await AwaitConditionAsync(async () => !(await StoredEvents("trim-queue")).OfType<StoredTrainingAccepted>().Any(a => a.RequestId == "r3"),
            Long, TimeSpan.FromMilliseconds(50));
        await WaitForState(entity, "trim-queue", "training");
        entity.Tell(StopEntity.Instance);
        await stopped.ExpectMsgAsync<EntityStopped>(TimeSpan.FromSeconds(20));

        // The restarted entity finds r3 in version 2's snapshot and runs it again.
        entity.Tell(new ResumeTraining("trim-queue"));
        await WaitForState(entity, "trim-queue", "training");
        entity.Tell(new CancelTraining("trim-queue"), third.Ref);
        var cancelled = Assert.IsType<ModelFailed>(await third.FishForMessageAsync(m => m is ModelFailed or ModelTrainedReply, Long));
        Assert.Equal("cancelled", cancelled.Code);
        Assert.Equal("r3", cancelled.RequestId);
    }

    private async Task<List<object>> StoredEvents(string id)
    {
        var probe = CreateTestProbe();
        Akka.Persistence.Persistence.Instance.Apply(Sys).JournalFor(null)
            .Tell(new ReplayMessages(0, long.MaxValue, long.MaxValue, ModelIds.PersistenceId(id), probe.Ref));
        var events = new List<object>();
        while (true)
        {
            var message = await probe.ReceiveOneAsync(TimeSpan.FromSeconds(10));
            if (message is ReplayedMessage replayed) events.Add(replayed.Persistent.Payload);
            else if (message is RecoverySuccess) return events;
            else Assert.Fail($"replaying the journal answered {message}");
        }
    }

    private async Task<List<long>> StoredSnapshotVersions(string id)
    {
        // The store answers one snapshot per query (the latest within the bounds): walk down from the newest.
        var store = Akka.Persistence.Persistence.Instance.Apply(Sys).SnapshotStoreFor(null);
        var versions = new List<long>();
        var below = long.MaxValue;
        while (true)
        {
            var result = await store.Ask<LoadSnapshotResult>(
                new LoadSnapshot(ModelIds.PersistenceId(id), new SnapshotSelectionCriteria(below), long.MaxValue), TimeSpan.FromSeconds(10));
            if (result.Snapshot is null) return versions;
            versions.Insert(0, ((StoredModelSnapshot)result.Snapshot.Snapshot).Version);
            below = result.Snapshot.Metadata.SequenceNr - 1;
        }
    }
}
