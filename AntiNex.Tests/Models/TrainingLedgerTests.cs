using Akka.Actor;
using AntiNex.Cluster;
using AntiNex.Models;
using AntiNex.Tests.Data;

namespace AntiNex.Tests.Models;

/// <summary>The ledger of a label's train requests keeps the accepted, unfinished ones in order, and the snapshot record
/// carries them through the serializer (its JSON header) so that recovery after the snapshot still knows them; a snapshot
/// written before it carried them restores with none pending.</summary>
public sealed class TrainingLedgerTests : Akka.TestKit.Xunit2.TestKit
{
    private static StoredTrainingAccepted Accepted(string id, IActorRef? replyTo = null)
        => new(id, $$"""{"label":"blobs","id":"{{id}}"}""", DateTimeOffset.Parse("2026-11-27T10:00:00Z"), replyTo);

    [Fact]
    public void Accepted_requests_stay_in_order_and_a_re_sent_one_keeps_its_place_with_its_new_caller()
    {
        var ledger = new TrainingLedger();
        ledger.Accepted(Accepted("r1"));
        ledger.Accepted(Accepted("r2"));
        ledger.Accepted(Accepted("r3"));
        var caller = CreateTestProbe().Ref;
        ledger.Accepted(Accepted("r2", caller));

        Assert.Equal(["r1", "r2", "r3"], ledger.Pending.Select(p => p.RequestId));
        Assert.Equal(caller, ledger.Pending[1].ReplyTo);

        ledger.Done("r1");
        ledger.Ended(new StoredTrainingEnded("r3", "cancelled"));
        Assert.Equal(["r2"], ledger.Pending.Select(p => p.RequestId));
        Assert.True(ledger.IsDone("r1"));

        // A finished request accepted again (a late duplicate event) is not pending: it is never trained twice.
        ledger.Accepted(Accepted("r1"));
        Assert.False(ledger.IsPending("r1"));
        Assert.Equal(["r2"], ledger.PendingWithout("r1").Select(p => p.RequestId));
        Assert.Empty(ledger.PendingWithout("r2"));
    }

    [Fact]
    public void A_request_that_ended_for_good_is_not_accepted_again_and_its_outcome_survives_snapshot_and_forget()
    {
        var serializer = new AntiNexSerializer((ExtendedActorSystem)Sys);
        var ledger = new TrainingLedger();
        ledger.Accepted(Accepted("r1"));
        ledger.Accepted(Accepted("r2"));
        ledger.Ended(new StoredTrainingEnded("r1", "cancelled"));
        ledger.Ended(new StoredTrainingEnded("r2", "persistence")); // the store failed: the request may be sent again
        Assert.Equal("cancelled", ledger.EndedOutcome("r1"));
        Assert.Null(ledger.EndedOutcome("r2"));
        ledger.Accepted(Accepted("r1"));
        ledger.Accepted(Accepted("r2"));
        Assert.Equal(["r2"], ledger.Pending.Select(p => p.RequestId));

        var summary = new StoredModelSummary("Blobs", "classification", "label", ["x0", "x1"], 2, DateTimeOffset.UnixEpoch, 90, 3);
        var metrics = new StoredModelMetrics(90, null, null, null, null, null, null, null, null, null, 10, 5, 1.5);
        var snapshot = new StoredModelSnapshot("blobs", 4, DateTimeOffset.UnixEpoch, summary, metrics, [1], ["r0"], [],
            ledger.EndedForGood.ToList());
        var back = (StoredModelSnapshot)serializer.FromBinary(serializer.ToBinary(snapshot), serializer.Manifest(snapshot));
        var restored = new TrainingLedger();
        restored.Restore(back.RecentRequests, back.PendingRequests, back.EndedRequests);
        Assert.Equal("cancelled", restored.EndedOutcome("r1"));

        var forgotten = new StoredModelForgotten(4, DateTimeOffset.UnixEpoch, restored.Finished.ToList(), restored.EndedForGood.ToList());
        var replayed = (StoredModelForgotten)serializer.FromBinary(serializer.ToBinary(forgotten), serializer.Manifest(forgotten));
        var afterForget = new TrainingLedger();
        afterForget.Forgotten(replayed.RecentRequests, replayed.EndedRequests);
        Assert.True(afterForget.IsDone("r0"));
        Assert.Equal("cancelled", afterForget.EndedOutcome("r1"));
        Assert.False(afterForget.HasPending);
    }

    [Fact]
    public void A_snapshot_restores_its_finished_and_pending_requests_and_events_after_it_append()
    {
        var ledger = new TrainingLedger();
        ledger.Restore(["r0", "r1"], [Accepted("r2"), Accepted("r1"), Accepted("r3")]);
        Assert.Equal(["r2", "r3"], ledger.Pending.Select(p => p.RequestId));
        ledger.Accepted(Accepted("r4"));
        Assert.Equal(["r2", "r3", "r4"], ledger.Pending.Select(p => p.RequestId));

        ledger.Restore(["r0"], null);
        Assert.False(ledger.HasPending);
        Assert.Equal(["r0"], ledger.Finished);
    }

    [Fact]
    public void The_snapshot_record_carries_pending_requests_with_their_callers_through_the_serializer()
    {
        var serializer = new AntiNexSerializer((ExtendedActorSystem)Sys);
        var caller = CreateTestProbe().Ref;
        var summary = new StoredModelSummary("Blobs", "classification", "label", ["x0", "x1"], 2, DateTimeOffset.UnixEpoch, 90, 3);
        var metrics = new StoredModelMetrics(90, null, null, null, null, null, null, null, null, null, 10, 5, 1.5);
        var snapshot = new StoredModelSnapshot("blobs", 4, DateTimeOffset.UnixEpoch, summary, metrics, [1, 2, 3], ["r1"],
            [Accepted("r2", caller) with { ProgressTo = caller, DeadlineUtc = DateTimeOffset.Parse("2026-11-27T11:00:00Z") }, Accepted("r3")]);

        var back = (StoredModelSnapshot)serializer.FromBinary(serializer.ToBinary(snapshot), serializer.Manifest(snapshot));
        Assert.Equal([1, 2, 3], back.Artifact);
        Assert.Equal(["r2", "r3"], back.PendingRequests!.Select(p => p.RequestId));
        Assert.Equal(caller, back.PendingRequests![0].ReplyTo);
        Assert.Equal(caller, back.PendingRequests![0].ProgressTo);
        Assert.Equal(snapshot.PendingRequests![0].RequestJson, back.PendingRequests![0].RequestJson);
        Assert.Equal(DateTimeOffset.Parse("2026-11-27T11:00:00Z"), back.PendingRequests![0].DeadlineUtc);
        Assert.Null(back.PendingRequests![1].ReplyTo);

        var ledger = new TrainingLedger();
        ledger.Restore(back.RecentRequests, back.PendingRequests);
        Assert.Equal(["r2", "r3"], ledger.Pending.Select(p => p.RequestId));
    }

    [Fact]
    public void A_snapshot_stored_before_pending_requests_existed_restores_with_none_pending()
    {
        var serializer = new AntiNexSerializer((ExtendedActorSystem)Sys);
        var fixture = Path.Combine(EngineTestData.RepoRoot()!, "AntiNex.Tests", "Models", "Fixtures", "snapshot.v1.bin");
        var old = (StoredModelSnapshot)serializer.FromBinary(File.ReadAllBytes(fixture), "snapshot.v1");
        Assert.Null(old.PendingRequests);
        // Today's snapshot without pending requests writes no field: its header reads as before.
        var header = System.Text.Encoding.UTF8.GetString(serializer.ToBinary(old with { Artifact = [] }));
        Assert.DoesNotContain("pending_requests", header);

        var ledger = new TrainingLedger();
        ledger.Accepted(Accepted("stale"));
        ledger.Restore(old.RecentRequests, old.PendingRequests);
        Assert.False(ledger.HasPending);
    }
}
