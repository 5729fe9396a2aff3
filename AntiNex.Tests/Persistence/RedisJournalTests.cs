using System.Collections.Immutable;
using Akka.Actor;
using Akka.Persistence;
using Akka.TestKit;
using Akka.TestKit.Xunit2;

namespace AntiNex.Tests.Persistence;

/// <summary>Our TCK for the journal: the Akka.Persistence journal protocol against a real redis-server.</summary>
[Collection(SharedRedisCollection.Name)]
public sealed class RedisJournalTests : TestKit
{
    private readonly string _pid = "p-" + Guid.NewGuid().ToString("N")[..8];
    private readonly string _writerGuid = Guid.NewGuid().ToString();
    private readonly IActorRef _journal;
    private readonly TestProbe _sender;
    private readonly RedisFixture _redis;

    public RedisJournalTests(RedisFixture redis)
        : base(PersistenceTestConfig.For(redis.Server.ConnectionString, PersistenceTestConfig.NewPrefix()), "journal-spec")
    {
        _redis = redis;
        _journal = Akka.Persistence.Persistence.Instance.Apply(Sys).JournalFor(null);
        _sender = CreateTestProbe();
        // Seed a-1..a-5; 4 and 5 as one AtomicWrite.
        WriteAndExpectSuccess(_pid, [[1], [2], [3], [4, 5]]);
    }

    private Persistent Event(string pid, long seqNr, object? payload = null) =>
        new(payload ?? $"a-{seqNr}", seqNr, pid, string.Empty, false, ActorRefs.NoSender, _writerGuid);

    private void WriteAndExpectSuccess(string pid, long[][] batches, TestProbe? probe = null)
    {
        probe ??= _sender;
        var writes = batches.Select(b => (IPersistentEnvelope)new AtomicWrite(b.Select(s => (IPersistentRepresentation)Event(pid, s)).ToImmutableList())).ToList();
        _journal.Tell(new WriteMessages(writes, probe.Ref, 1));
        probe.ExpectMsg<WriteMessagesSuccessful>();
        foreach (var seqNr in batches.SelectMany(b => b))
            probe.ExpectMsg<WriteMessageSuccess>(m => m.Persistent.SequenceNr == seqNr && (string)m.Persistent.Payload == $"a-{seqNr}");
    }

    private void Replay(long from, long to, long max = long.MaxValue, string? pid = null) =>
        _journal.Tell(new ReplayMessages(from, to, max, pid ?? _pid, _sender.Ref));

    private void ExpectReplayed(params long[] seqNrs)
    {
        foreach (var seqNr in seqNrs)
            _sender.ExpectMsg<ReplayedMessage>(m => m.Persistent.SequenceNr == seqNr && (string)m.Persistent.Payload == $"a-{seqNr}"
                && m.Persistent.PersistenceId == _pid && m.Persistent.WriterGuid == _writerGuid);
    }

    private void ExpectRecoverySuccess(long highest)
    {
        _sender.ExpectMsg<RecoverySuccess>(m => m.HighestSequenceNr == highest);
        _sender.ExpectNoMsg(TimeSpan.FromMilliseconds(100));
    }

    [Fact] public void Replays_all_messages() { Replay(1, long.MaxValue); ExpectReplayed(1, 2, 3, 4, 5); ExpectRecoverySuccess(5); }
    [Fact] public void Replays_with_a_lower_bound() { Replay(3, long.MaxValue); ExpectReplayed(3, 4, 5); ExpectRecoverySuccess(5); }
    [Fact] public void Replays_with_an_upper_bound_and_still_reports_the_highest() { Replay(1, 3); ExpectReplayed(1, 2, 3); ExpectRecoverySuccess(5); }
    [Fact] public void Replays_with_a_count_limit() { Replay(1, long.MaxValue, 3); ExpectReplayed(1, 2, 3); ExpectRecoverySuccess(5); }
    [Fact] public void Replays_with_lower_and_upper_bounds() { Replay(2, 3); ExpectReplayed(2, 3); ExpectRecoverySuccess(5); }
    [Fact] public void Replays_with_bounds_and_a_count_limit() { Replay(2, 5, 2); ExpectReplayed(2, 3); ExpectRecoverySuccess(5); }
    [Fact] public void Replays_a_single_message_when_from_equals_to() { Replay(2, 2); ExpectReplayed(2); ExpectRecoverySuccess(5); }
    [Fact] public void Replays_a_single_message_when_max_is_one() { Replay(2, 4, 1); ExpectReplayed(2); ExpectRecoverySuccess(5); }
    [Fact] public void Replays_nothing_when_max_is_zero() { Replay(2, 4, 0); ExpectRecoverySuccess(5); }
    [Fact] public void Replays_nothing_when_from_is_greater_than_to() { Replay(3, 2); ExpectRecoverySuccess(5); }

    [Fact]
    public void Replays_nothing_and_reports_zero_for_an_unknown_persistence_id()
    {
        Replay(1, long.MaxValue, pid: "unknown-" + Guid.NewGuid());
        ExpectRecoverySuccess(0);
    }

    [Fact]
    public void Replays_in_pages_when_the_journal_is_longer_than_a_page()
    {
        // 2,500 events > replay-page-size (1,000): order, count and the max limit must hold across pages.
        var pid = "paged-" + Guid.NewGuid().ToString("N")[..6];
        var writes = Enumerable.Range(1, 2500).Select(i => (IPersistentEnvelope)new AtomicWrite(Event(pid, i))).ToList();
        _journal.Tell(new WriteMessages(writes, _sender.Ref, 1));
        _sender.ExpectMsg<WriteMessagesSuccessful>();
        _sender.ReceiveN(2500);
        _journal.Tell(new ReplayMessages(1, long.MaxValue, 2100, pid, _sender.Ref));
        var replayed = _sender.ReceiveN(2100).Cast<ReplayedMessage>().Select(m => m.Persistent.SequenceNr).ToList();
        Assert.Equal(Enumerable.Range(1, 2100).Select(i => (long)i), replayed);
        _sender.ExpectMsg<RecoverySuccess>(m => m.HighestSequenceNr == 2500);
    }

    [Fact]
    public void Does_not_replay_deleted_messages_and_keeps_the_highest_sequence_number()
    {
        _journal.Tell(new DeleteMessagesTo(_pid, 3, _sender.Ref));
        _sender.ExpectMsg<DeleteMessagesSuccess>(m => m.ToSequenceNr == 3);
        Replay(1, long.MaxValue);
        ExpectReplayed(4, 5);
        ExpectRecoverySuccess(5);
    }

    [Fact]
    public void Does_not_reset_the_highest_sequence_number_when_everything_is_deleted()
    {
        _journal.Tell(new DeleteMessagesTo(_pid, long.MaxValue, _sender.Ref));
        _sender.ExpectMsg<DeleteMessagesSuccess>();
        Replay(1, long.MaxValue);
        ExpectRecoverySuccess(5);
        // and the next write continues after it
        WriteAndExpectSuccess(_pid, [[6]]);
        Replay(1, long.MaxValue);
        ExpectReplayed(6);
        ExpectRecoverySuccess(6);
    }

    [Fact]
    public void Round_trips_an_event_through_its_registered_serializer()
    {
        var payload = new TestPayload(_sender.Ref, "hello");
        var persistent = new Persistent(payload, 6, _pid, "manifest-x", false, ActorRefs.NoSender, _writerGuid);
        _journal.Tell(new WriteMessages([new AtomicWrite(persistent)], _sender.Ref, 1));
        _sender.ExpectMsg<WriteMessagesSuccessful>();
        _sender.ExpectMsg<WriteMessageSuccess>();
        Replay(6, long.MaxValue);
        var replayed = _sender.ExpectMsg<ReplayedMessage>().Persistent;
        Assert.Equal(payload, replayed.Payload);
        Assert.Equal(_pid, replayed.PersistenceId);
        Assert.Equal(6, replayed.SequenceNr);
        Assert.Equal(_writerGuid, replayed.WriterGuid);
        Assert.Equal("manifest-x", replayed.Manifest);
        Assert.True(replayed.Sender is null || replayed.Sender.IsNobody() || replayed.Sender.Equals(Sys.DeadLetters));
        Assert.True(replayed.Timestamp > 0, "the journal stamps the write time");
        ExpectRecoverySuccess(6);
    }

    [Fact]
    public void Rejects_only_the_atomic_write_that_cannot_be_serialized()
    {
        var writes = new IPersistentEnvelope[]
        {
            new AtomicWrite(Event(_pid, 6)),
            new AtomicWrite(Event(_pid, 7, new Unserializable("nope"))),
            new AtomicWrite(Event(_pid, 8)),
        };
        _journal.Tell(new WriteMessages(writes, _sender.Ref, 1));
        _sender.ExpectMsg<WriteMessagesSuccessful>();
        _sender.ExpectMsg<WriteMessageSuccess>(m => m.Persistent.SequenceNr == 6);
        _sender.ExpectMsg<WriteMessageRejected>(m => m.Persistent.SequenceNr == 7 && m.Cause.Message.Contains("cannot be serialized"));
        _sender.ExpectMsg<WriteMessageSuccess>(m => m.Persistent.SequenceNr == 8);
        Replay(6, long.MaxValue);
        ExpectReplayed(6, 8);
        ExpectRecoverySuccess(8);
    }

    [Fact]
    public void Writes_an_atomic_batch_all_or_nothing()
    {
        // The whole batch is one script: one rejected event would reject all three (none stored).
        var batch = new AtomicWrite(ImmutableList.Create<IPersistentRepresentation>(Event(_pid, 6), Event(_pid, 7, new Unserializable("x")), Event(_pid, 8)));
        _journal.Tell(new WriteMessages([batch], _sender.Ref, 1));
        _sender.ExpectMsg<WriteMessagesSuccessful>();
        _sender.ExpectMsg<WriteMessageRejected>(m => m.Persistent.SequenceNr == 6);
        _sender.ExpectMsg<WriteMessageRejected>(m => m.Persistent.SequenceNr == 7);
        _sender.ExpectMsg<WriteMessageRejected>(m => m.Persistent.SequenceNr == 8);
        Replay(1, long.MaxValue);
        ExpectReplayed(1, 2, 3, 4, 5);
        ExpectRecoverySuccess(5);
    }

    [Fact]
    public void Handles_concurrent_writers_on_different_persistence_ids()
    {
        const int writers = 8, events = 60;
        var pids = Enumerable.Range(0, writers).Select(i => $"c{i}-{Guid.NewGuid().ToString("N")[..6]}").ToArray();
        var probes = pids.Select(_ => CreateTestProbe()).ToArray();
        // Interleave single-event writes of all writers, as concurrent persistent actors would.
        for (var seq = 1; seq <= events; seq++)
            for (var w = 0; w < writers; w++)
                _journal.Tell(new WriteMessages([new AtomicWrite(Event(pids[w], seq))], probes[w].Ref, 1));
        for (var w = 0; w < writers; w++)
            for (var seq = 1; seq <= events; seq++)
            {
                probes[w].ExpectMsg<WriteMessagesSuccessful>();
                probes[w].ExpectMsg<WriteMessageSuccess>(m => m.Persistent.SequenceNr == seq);
            }
        for (var w = 0; w < writers; w++)
        {
            _journal.Tell(new ReplayMessages(1, long.MaxValue, long.MaxValue, pids[w], probes[w].Ref));
            var replayed = probes[w].ReceiveN(events).Cast<ReplayedMessage>().ToList();
            Assert.Equal(Enumerable.Range(1, events).Select(i => (long)i), replayed.Select(r => r.Persistent.SequenceNr));
            Assert.All(replayed, r => Assert.Equal(pids[w], r.Persistent.PersistenceId));
            probes[w].ExpectMsg<RecoverySuccess>(m => m.HighestSequenceNr == events);
        }
    }

    [Fact]
    public void Keeps_every_key_of_one_persistence_id_under_its_hash_tag()
    {
        var keys = RedisAdmin.Keys(_redis.Server, "*{" + _pid + "}*");
        Assert.Contains(keys, k => k.ToString().EndsWith(":events"));
        Assert.Contains(keys, k => k.ToString().EndsWith(":highest"));
        Assert.All(keys, k => Assert.Contains("{" + _pid + "}", k.ToString()));
    }
}
