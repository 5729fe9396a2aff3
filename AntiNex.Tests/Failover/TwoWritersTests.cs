using System.Collections.Immutable;
using Akka.Actor;
using Akka.Persistence;
using Akka.TestKit.Xunit2;
using AntiNex.Persistence.Redis;
using AntiNex.Tests.Persistence;

namespace AntiNex.Tests.Failover;

/// <summary>Two live writers of one persistence id (two actor systems on one Redis, as two clusters would be): the
/// journal refuses the write that would land on a sequence number already stored, so the loser's persist fails and
/// nothing the winner wrote is overwritten.</summary>
[Collection(SharedRedisCollection.Name)]
public sealed class TwoWritersTests(RedisFixture redis)
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task The_second_writer_of_a_sequence_number_fails_and_the_first_writers_events_stay()
    {
        var config = PersistenceTestConfig.For(redis.Server.ConnectionString, PersistenceTestConfig.NewPrefix());
        var first = ActorSystem.Create("writer-1", config);
        var second = ActorSystem.Create("writer-2", config);
        try
        {
            var watchFirst = new TestKit(first);
            var watchSecond = new TestKit(second);
            var a = first.ActorOf(CounterActor.Props("shared", watchFirst.TestActor));
            Assert.Equal("ok:1", await a.Ask<string>(1, Wait));

            // Both recovered at sequence number 1; the first writes 2, then the second tries 2 as well.
            var b = second.ActorOf(CounterActor.Props("shared", watchSecond.TestActor));
            Assert.Equal("1", await b.Ask<string>("state", Wait));
            Assert.Equal("ok:2", await a.Ask<string>(2, Wait));
            watchSecond.Watch(b);
            b.Tell(20);
            watchSecond.ExpectMsg("persist-failure");
            watchSecond.ExpectTerminated(b); // a failed persist stops the writer: it cannot go on with a wrong state

            // The first writer's events are intact, and it keeps writing.
            Assert.Equal("ok:3", await a.Ask<string>(3, Wait));
            var fresh = second.ActorOf(CounterActor.Props("shared", second.DeadLetters));
            Assert.Equal("1,2,3", await fresh.Ask<string>("state", Wait));
        }
        finally
        {
            await Task.WhenAll(first.Terminate(), second.Terminate());
        }
    }

    [Fact]
    public async Task The_journal_refuses_a_batch_starting_at_a_stored_sequence_number_and_says_why()
    {
        var config = PersistenceTestConfig.For(redis.Server.ConnectionString, PersistenceTestConfig.NewPrefix());
        var system = ActorSystem.Create("journal-conflict", config);
        try
        {
            var kit = new TestKit(system);
            var journal = Akka.Persistence.Persistence.Instance.Apply(system).JournalFor(null);
            Persistent Event(long seq, string payload) => new(payload, seq, "conflict", string.Empty, false, ActorRefs.NoSender, "w");
            journal.Tell(new WriteMessages([new AtomicWrite(Event(1, "one")), new AtomicWrite(Event(2, "two"))], kit.TestActor, 1));
            kit.ExpectMsg<WriteMessagesSuccessful>();
            kit.ReceiveN(2);

            // 2 and 3 as the second writer would send them: refused whole (3 is not stored either).
            journal.Tell(new WriteMessages([new AtomicWrite(Event(2, "other-two")), new AtomicWrite(Event(3, "other-three"))], kit.TestActor, 1));
            var failed = kit.ExpectMsg<WriteMessagesFailed>();
            var conflict = Assert.IsType<JournalSequenceConflictException>(failed.Cause is AggregateException agg ? agg.InnerExceptions[0] : failed.Cause);
            Assert.Equal(2, conflict.SequenceNr);
            Assert.Equal(2, conflict.StoredHighest);
            Assert.Contains("another writer", conflict.Message);
            kit.ExpectMsg<WriteMessageFailure>(m => m.Persistent.SequenceNr == 2);
            kit.ExpectMsg<WriteMessageFailure>(m => m.Persistent.SequenceNr == 3);

            journal.Tell(new ReplayMessages(1, long.MaxValue, long.MaxValue, "conflict", kit.TestActor));
            Assert.Equal("one", kit.ExpectMsg<ReplayedMessage>().Persistent.Payload);
            Assert.Equal("two", kit.ExpectMsg<ReplayedMessage>().Persistent.Payload);
            kit.ExpectMsg<RecoverySuccess>(m => m.HighestSequenceNr == 2);
        }
        finally
        {
            await system.Terminate();
        }
    }
}
