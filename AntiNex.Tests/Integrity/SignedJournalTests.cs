using System.Collections.Immutable;
using System.Security.Cryptography;
using Akka.Actor;
using Akka.Persistence;
using Akka.TestKit;
using Akka.TestKit.Xunit2;
using AntiNex.Persistence.Redis;
using AntiNex.Persistence.Signing;
using AntiNex.Tests.Infrastructure;
using AntiNex.Tests.Persistence;
using StackExchange.Redis;

namespace AntiNex.Tests.Integrity;

/// <summary>The Redis journal with a signing key, against a real redis-server: an event added, altered, copied or moved
/// by hand in Redis is refused on replay, naming the event and why, and the recovery of that persistence id fails.</summary>
[Collection(SharedRedisCollection.Name)]
public sealed class SignedJournalTests : TestKit
{
    private static readonly string KeyDir = RunTempDirectory.Create("antinex-signed-journal-");
    private readonly string _pid = "journal-" + Guid.NewGuid().ToString("N")[..8];
    private readonly string _prefix;
    private readonly RedisFixture _redis;
    private readonly IActorRef _journal;
    private readonly TestProbe _sender;
    private readonly string _keyFile;

    public SignedJournalTests(RedisFixture redis) : this(redis, PersistenceTestConfig.NewPrefix(), NewKeyFile()) { }

    private SignedJournalTests(RedisFixture redis, string prefix, string keyFile)
        : base(PersistenceTestConfig.For(redis.Server.ConnectionString, prefix, SigningConfig(keyFile)), "signed-journal-spec")
    {
        _redis = redis;
        _prefix = prefix;
        _keyFile = keyFile;
        _journal = JournalOf(Sys);
        _sender = CreateTestProbe();
        Write(_journal, _sender, _pid, 1, 2, 3);
    }

    private static string NewKeyFile()
    {
        var path = Path.Combine(KeyDir, Guid.NewGuid().ToString("N") + ".key");
        File.WriteAllText(path, Convert.ToBase64String(RandomNumberGenerator.GetBytes(48)) + "\n");
        return path;
    }

    private static string SigningConfig(string? keyFile, bool allowUnsigned = false, string? previousKeyFile = null) =>
        $"akka.persistence.journal.redis {{ signing-key-file = \"{keyFile ?? ""}\", allow-unsigned = {(allowUnsigned ? "on" : "off")}, " +
        $"previous-signing-key-files = [{(previousKeyFile is null ? "" : $"\"{previousKeyFile}\"")}] }}";

    private static IActorRef JournalOf(ActorSystem system) => Akka.Persistence.Persistence.Instance.Apply(system).JournalFor(null);

    private static void Write(IActorRef journal, TestProbe probe, string pid, params long[] seqNrs)
    {
        var writes = seqNrs.Select(s => (IPersistentEnvelope)new AtomicWrite(
            new Persistent($"e-{s}", s, pid, string.Empty, false, ActorRefs.NoSender, "writer"))).ToList();
        journal.Tell(new WriteMessages(writes, probe.Ref, 1));
        probe.ExpectMsg<WriteMessagesSuccessful>();
        probe.ReceiveN(seqNrs.Length);
    }

    /// <summary>Every replayed payload, in order; fails the test if the replay fails.</summary>
    private static List<string> Replayed(IActorRef journal, TestProbe probe, string pid)
    {
        journal.Tell(new ReplayMessages(1, long.MaxValue, long.MaxValue, pid, probe.Ref));
        var payloads = new List<string>();
        while (true)
        {
            switch (probe.ExpectMsg<object>())
            {
                case ReplayedMessage m: payloads.Add((string)m.Persistent.Payload); break;
                case RecoverySuccess: return payloads;
                case ReplayMessagesFailure f: throw new Xunit.Sdk.XunitException($"replay failed: {f.Cause.Message}");
            }
        }
    }

    /// <summary>The replay's failure; fails the test if the replay succeeds.</summary>
    private static EventRefusedException Refused(IActorRef journal, TestProbe probe, string pid)
    {
        journal.Tell(new ReplayMessages(1, long.MaxValue, long.MaxValue, pid, probe.Ref));
        var failure = probe.FishForMessage<object>(m => m is ReplayMessagesFailure or RecoverySuccess);
        if (failure is not ReplayMessagesFailure f) throw new Xunit.Sdk.XunitException("the replay succeeded: nothing was refused");
        return Assert.IsType<EventRefusedException>(f.Cause);
    }

    private IDatabase Db(out ConnectionMultiplexer mux) => RedisAdmin.Db(_redis.Server, out mux);
    private string EventsKey(string pid) => $"{_prefix}{{{pid}}}:events";

    private byte[] Stored(string pid, long seqNr)
    {
        var db = Db(out var mux);
        using (mux) return (byte[])db.SortedSetRangeByScore(EventsKey(pid), seqNr, seqNr).Single()!;
    }

    /// <summary>What someone with the Redis password can do: put any bytes at any sequence number, raising the highest.</summary>
    private void Plant(string pid, long seqNr, byte[] member)
    {
        var db = Db(out var mux);
        using (mux)
        {
            db.SortedSetRemoveRangeByScore(EventsKey(pid), seqNr, seqNr);
            db.SortedSetAdd(EventsKey(pid), member, seqNr);
            var highest = $"{_prefix}{{{pid}}}:highest";
            if ((long)db.StringGet(highest) < seqNr) db.StringSet(highest, seqNr);
        }
    }

    /// <summary>An event as the journal stored it before signing: the Akka envelope alone.</summary>
    private byte[] UnsignedEnvelope(string pid, long seqNr, string payload)
    {
        var persistent = new Persistent(payload, seqNr, pid, string.Empty, false, ActorRefs.NoSender, "attacker");
        var serializer = ((ExtendedActorSystem)Sys).Serialization.FindSerializerForType(typeof(Persistent));
        return serializer.ToBinary(persistent);
    }

    [Fact]
    public void Every_written_event_is_signed_and_replays()
    {
        var stored = Stored(_pid, 2);
        Assert.Equal([0x00, 0x01], stored[..2]);
        Assert.StartsWith("hs256:", System.Text.Encoding.ASCII.GetString(stored, 3, stored[2]));
        Assert.Equal(["e-1", "e-2", "e-3"], Replayed(_journal, _sender, _pid));
    }

    [Fact]
    public void The_stored_form_of_an_unsigned_event_never_starts_with_the_signed_marker()
    {
        // The claim that keeps old records readable: the Akka envelope is protobuf, whose first byte is a field tag (>= 0x08).
        foreach (var payload in new object[] { "", "e", new byte[] { 0 }, 42 })
        {
            var persistent = new Persistent(payload, 1, "", string.Empty, false, ActorRefs.NoSender, "");
            var bytes = ((ExtendedActorSystem)Sys).Serialization.FindSerializerForType(typeof(Persistent)).ToBinary(persistent);
            Assert.NotEqual(0x00, bytes[0]);
        }
    }

    [Fact]
    public void An_unsigned_event_added_in_Redis_is_refused_naming_the_event_and_why()
    {
        // E.g. an "accepted training" the label would resume and sign as its own model.
        Plant(_pid, 4, UnsignedEnvelope(_pid, 4, "planted"));
        var refused = Refused(_journal, _sender, _pid);
        Assert.Contains($"Journal event {_pid}#4 REFUSED", refused.Message);
        Assert.Contains("no signature", refused.Message);
        Assert.Contains("sign-journal", refused.Message);
        Assert.Equal((_pid, 4L), (refused.PersistenceId, refused.SequenceNr));
    }

    [Fact]
    public void An_altered_signed_event_is_refused()
    {
        var stored = Stored(_pid, 2);
        stored[^3] ^= 0x01; // inside the envelope
        Plant(_pid, 2, stored);
        var refused = Refused(_journal, _sender, _pid);
        Assert.Contains($"Journal event {_pid}#2 REFUSED", refused.Message);
        Assert.Contains("does not match", refused.Message);
    }

    [Fact]
    public void A_validly_signed_event_copied_from_another_persistence_id_is_refused()
    {
        var other = _pid + "-other";
        Write(_journal, _sender, other, 1, 2, 3, 4);
        Plant(_pid, 4, Stored(other, 4));
        var refused = Refused(_journal, _sender, _pid);
        Assert.Contains($"{_pid}#4 REFUSED", refused.Message);
        Assert.Contains("copied from another persistence id or sequence number", refused.Message);
    }

    [Fact]
    public void A_validly_signed_event_moved_to_another_sequence_number_is_refused()
    {
        Plant(_pid, 4, Stored(_pid, 1));
        var refused = Refused(_journal, _sender, _pid);
        Assert.Contains($"{_pid}#4 REFUSED", refused.Message);
        Assert.Contains("does not match", refused.Message);
    }

    [Fact]
    public void A_record_with_the_signed_marker_and_an_unknown_version_is_refused()
    {
        Plant(_pid, 4, [0x00, 0x07, 0x00, .. UnsignedEnvelope(_pid, 4, "planted")]);
        Assert.Contains("unknown version 7", Refused(_journal, _sender, _pid).Message);
    }

    [Fact]
    public async Task A_refused_event_fails_the_recovery_of_that_persistent_actor_only()
    {
        Plant(_pid, 4, UnsignedEnvelope(_pid, 4, "planted"));
        var watcher = CreateTestProbe();
        var refusedActor = Watch(Sys.ActorOf(CounterActor.Props(_pid, watcher.Ref)));
        watcher.ExpectMsg("recovery-failure");
        ExpectTerminated(refusedActor);

        var fine = _pid + "-fine";
        Write(_journal, _sender, fine, 1);
        var other = Sys.ActorOf(CounterActor.Props(fine, watcher.Ref));
        Assert.Equal("ok:5", await other.Ask<string>(5, TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public void Trimming_the_journal_leaves_the_signed_rest_replayable()
    {
        _journal.Tell(new DeleteMessagesTo(_pid, 2, _sender.Ref));
        _sender.ExpectMsg<DeleteMessagesSuccess>();
        Assert.Equal(["e-3"], Replayed(_journal, _sender, _pid));
        Write(_journal, _sender, _pid, 4);
        Assert.Equal(["e-3", "e-4"], Replayed(_journal, _sender, _pid));
    }

    [Fact]
    public async Task A_previous_key_still_verifies_and_an_unknown_key_is_refused()
    {
        var rotated = ActorSystem.Create("rotated", PersistenceTestConfig.For(_redis.Server.ConnectionString, _prefix,
            SigningConfig(NewKeyFile(), previousKeyFile: _keyFile)));
        var stranger = ActorSystem.Create("stranger", PersistenceTestConfig.For(_redis.Server.ConnectionString, _prefix,
            SigningConfig(NewKeyFile())));
        try
        {
            var probe = new TestProbe(rotated, new XunitAssertions());
            Assert.Equal(["e-1", "e-2", "e-3"], Replayed(JournalOf(rotated), probe, _pid));
            // What the rotated system writes is signed with its new key; ours no longer holds that one.
            Write(JournalOf(rotated), probe, _pid, 4);
            Assert.Equal(["e-1", "e-2", "e-3", "e-4"], Replayed(JournalOf(rotated), probe, _pid));

            var strangerProbe = new TestProbe(stranger, new XunitAssertions());
            var refused = Refused(JournalOf(stranger), strangerProbe, _pid);
            Assert.Contains($"{_pid}#1 REFUSED", refused.Message);
            Assert.Contains("which this node does not hold", refused.Message);
        }
        finally
        {
            await rotated.Terminate();
            await stranger.Terminate();
        }
    }

    [Fact]
    public async Task Unsigned_events_are_refused_unless_allow_unsigned_is_on_and_signed_ones_replay_without_a_key()
    {
        var unsigned = ActorSystem.Create("unsigned", PersistenceTestConfig.For(_redis.Server.ConnectionString, _prefix, SigningConfig(null)));
        var migrating = ActorSystem.Create("migrating", PersistenceTestConfig.For(_redis.Server.ConnectionString, _prefix,
            SigningConfig(_keyFile, allowUnsigned: true)));
        try
        {
            var plainProbe = new TestProbe(unsigned, new XunitAssertions());
            var old = _pid + "-old";
            Write(JournalOf(unsigned), plainProbe, old, 1, 2);
            Assert.NotEqual(0x00, Stored(old, 1)[0]);
            // Without a key nothing is verified: the signed events replay as well.
            Assert.Equal(["e-1", "e-2", "e-3"], Replayed(JournalOf(unsigned), plainProbe, _pid));

            Assert.Contains("no signature", Refused(_journal, _sender, old).Message);

            var migratingProbe = new TestProbe(migrating, new XunitAssertions());
            var warned = new TestProbe(migrating, new XunitAssertions());
            migrating.EventStream.Subscribe(warned.Ref, typeof(Akka.Event.Warning));
            Assert.Equal(["e-1", "e-2"], Replayed(JournalOf(migrating), migratingProbe, old));
            warned.FishForMessage<Akka.Event.Warning>(w => w.Message.ToString()!.Contains($"Journal of {old} holds unsigned events"));
            // Once per persistence id.
            Assert.Equal(["e-1", "e-2"], Replayed(JournalOf(migrating), migratingProbe, old));
            var later = warned.ReceiveWhile(TimeSpan.FromMilliseconds(300), m => m as Akka.Event.Warning);
            Assert.DoesNotContain(later, w => w!.Message.ToString()!.Contains($"Journal of {old}"));
        }
        finally
        {
            await unsigned.Terminate();
            await migrating.Terminate();
        }
    }

    private JournalSignaturesReport RunSignatures(JournalSignaturesMode mode)
    {
        using var mux = ConnectionMultiplexer.Connect(_redis.Server.ConnectionString);
        var signer = new EventSigner(SigningKey.FromFile(_keyFile, "test key"));
        var serializer = ((ExtendedActorSystem)Sys).Serialization.FindSerializerForType(typeof(Persistent));
        return new JournalSignatures(mux, -1, _prefix, signer, serializer).RunAsync(mode).GetAwaiter().GetResult();
    }

    [Fact]
    public void Sign_vouches_once_for_a_journal_stored_before_signing_and_the_signing_journal_then_replays_it()
    {
        var old = _pid + "-old";
        Plant(old, 1, UnsignedEnvelope(old, 1, "e-1"));
        Plant(old, 2, UnsignedEnvelope(old, 2, "e-2"));
        Assert.Contains("sign-journal", Refused(_journal, _sender, old).Message);

        var check = RunSignatures(JournalSignaturesMode.Check);
        Assert.Equal((2, 5L, 3L, 2L, 0L), (check.Journals, check.Events, check.Signed, check.Unsigned, check.Changed));
        Assert.False(check.Clean);
        Assert.NotEqual(0x00, Stored(old, 1)[0]); // a check changes nothing

        var sign = RunSignatures(JournalSignaturesMode.Sign);
        Assert.Equal((5L, 3L, 2L, 2L), (sign.Events, sign.Signed, sign.Unsigned, sign.Changed));
        Assert.True(sign.Clean);
        Assert.Empty(sign.Refused);
        Assert.Equal(["e-1", "e-2"], Replayed(_journal, _sender, old));
        Assert.Equal(["e-1", "e-2", "e-3"], Replayed(_journal, _sender, _pid));

        var again = RunSignatures(JournalSignaturesMode.Check);
        Assert.Equal((5L, 0L, 0L), (again.Signed, again.Unsigned, again.Changed));
        Assert.True(again.Clean);
    }

    [Fact]
    public void Sign_leaves_an_altered_a_misplaced_and_an_unreadable_event_as_they_are_and_names_each()
    {
        var altered = Stored(_pid, 2);
        altered[^1] ^= 0x01;
        Plant(_pid, 2, altered);
        var other = _pid + "-other";
        Plant(other, 5, UnsignedEnvelope(other, 4, "moved")); // an event of #4 stored at #5
        Plant(other, 6, [0x0a, 0xff, 0xff, 0xff]);             // not an envelope at all

        var sign = RunSignatures(JournalSignaturesMode.Sign);
        Assert.False(sign.Clean);
        Assert.Equal(0, sign.Changed);
        var refused = sign.Refused.ToDictionary(r => (r.PersistenceId, r.SequenceNr), r => r.Reason);
        Assert.Equal(3, refused.Count);
        Assert.Contains("does not match", refused[(_pid, 2)]);
        Assert.Contains($"holds event {other}#4", refused[(other, 5)]);
        Assert.Contains("does not read as an event", refused[(other, 6)]);
        Assert.Equal(altered, Stored(_pid, 2));
        Assert.NotEqual(0x00, Stored(other, 5)[0]);
        Assert.Contains("does not match", Refused(_journal, _sender, _pid).Message);
    }

    [Fact]
    public void Strip_turns_verified_events_back_into_the_form_a_journal_before_signing_reads()
    {
        var altered = _pid + "-altered";
        Write(_journal, _sender, altered, 1);
        var bad = Stored(altered, 1);
        bad[^1] ^= 0x01;
        Plant(altered, 1, bad);

        var strip = RunSignatures(JournalSignaturesMode.Strip);
        Assert.Equal((4L, 3L), (strip.Events, strip.Changed));
        Assert.Single(strip.Refused); // an event that does not verify keeps its (broken) signature
        var serializer = ((ExtendedActorSystem)Sys).Serialization.FindSerializerForType(typeof(Persistent));
        for (var seqNr = 1; seqNr <= 3; seqNr++)
        {
            var read = (IPersistentRepresentation)serializer.FromBinary(Stored(_pid, seqNr), typeof(Persistent));
            Assert.Equal(($"e-{seqNr}", (long)seqNr), ((string)read.Payload, read.SequenceNr));
        }
        Assert.Equal(bad, Stored(altered, 1));
        Assert.Contains("no signature", Refused(_journal, _sender, _pid).Message);
    }

    [Fact]
    public void Sign_never_signs_an_unsigned_event_a_journal_before_signing_could_not_have_written()
    {
        // After signed events of the same journal; above the recorded highest sequence number; beside another event.
        Plant(_pid, 4, UnsignedEnvelope(_pid, 4, "after-signed"));
        var fresh = _pid + "-fresh";
        Plant(fresh, 1, UnsignedEnvelope(fresh, 1, "e-1"));
        var db = Db(out var mux);
        using (mux)
        {
            db.SortedSetAdd(EventsKey(fresh), UnsignedEnvelope(fresh, 2, "above-highest"), 2);
            db.SortedSetAdd(EventsKey(fresh), UnsignedEnvelope(fresh, 1, "twin"), 1);
        }

        var sign = RunSignatures(JournalSignaturesMode.Sign);
        var refused = sign.Refused.GroupBy(r => (r.PersistenceId, r.SequenceNr)).ToDictionary(g => g.Key, g => g.Single().Reason);
        Assert.Contains("follows a signed event", refused[(_pid, 4)]);
        Assert.Contains("above the highest sequence number the journal recorded (1)", refused[(fresh, 2)]);
        Assert.Contains("a second event is stored at sequence number 1", refused[(fresh, 1)]);
        Assert.Equal([(fresh, 1L)], sign.SignedNow.Select(e => (e.PersistenceId, e.SequenceNr))); // the one it could vouch for
        Assert.Contains("no signature", Refused(_journal, _sender, _pid).Message);

        // Once a run has signed the journal, an unsigned event anywhere was added since: no later run signs it.
        var planted = _pid + "-planted";
        Plant(planted, 1, UnsignedEnvelope(planted, 1, "accepted-training"));
        var again = RunSignatures(JournalSignaturesMode.Sign);
        Assert.NotNull(again.SignedBefore);
        Assert.Contains("this journal was signed on", again.Refused.Single(r => r.PersistenceId == planted).Reason);
        Assert.NotEqual(0x00, Stored(planted, 1)[0]);
        Assert.Empty(again.SignedNow);
    }

    [Fact]
    public void A_copy_of_a_signed_event_beside_it_or_at_a_fractional_score_is_refused_on_replay()
    {
        var genuine = Stored(_pid, 2);
        var signatureLength = genuine[2];
        var respelled = genuine.ToArray();
        for (var i = 3; i < 3 + signatureLength; i++)
            if (respelled[i] is >= (byte)'a' and <= (byte)'f') respelled[i] -= 32; // the same signature in upper case
        var db = Db(out var mux);
        using (mux) db.SortedSetAdd(EventsKey(_pid), respelled, 2);
        Assert.Contains($"{_pid}#2 REFUSED", Refused(_journal, _sender, _pid).Message);

        using (mux = ConnectionMultiplexer.Connect(_redis.Server.ConnectionString))
        {
            var events = mux.GetDatabase().SortedSetRangeByScore(EventsKey(_pid), 2, 2);
            mux.GetDatabase().SortedSetRemove(EventsKey(_pid), respelled);
            mux.GetDatabase().SortedSetAdd(EventsKey(_pid), genuine, 2.5);
            Assert.Equal(2, events.Length);
        }
        Assert.Contains("score 2.5 is not a sequence number", Refused(_journal, _sender, _pid).Message);
    }

    [Fact]
    public async Task Sign_pages_through_long_journals_and_no_score_makes_it_skip_or_stand_still()
    {
        var longer = _pid + "-long";
        var db = Db(out var mux);
        using (mux)
        {
            for (var s = 1; s <= 200; s++) db.SortedSetAdd(EventsKey(longer), UnsignedEnvelope(longer, s, $"e-{s}"), s);
            db.SortedSetAdd(EventsKey(longer), UnsignedEnvelope(longer, 200, "twin"), 200);
            db.StringSet($"{_prefix}{{{longer}}}:highest", 200);
            var odd = _pid + "-odd";
            for (var i = 0; i < 250; i++) db.SortedSetAdd(EventsKey(odd), new byte[] { 0x0a, (byte)i, (byte)(i >> 8) }, double.PositiveInfinity);
        }
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        using var connection = ConnectionMultiplexer.Connect(_redis.Server.ConnectionString);
        var serializer = ((ExtendedActorSystem)Sys).Serialization.FindSerializerForType(typeof(Persistent));
        var check = await new JournalSignatures(connection, -1, _prefix, new EventSigner(SigningKey.FromFile(_keyFile, "test key")), serializer)
            .RunAsync(JournalSignaturesMode.Check, cancellationToken: timeout.Token);
        Assert.Equal(3 + 201 + 250, check.Events);
        Assert.Contains(check.Refused, r => r.PersistenceId == longer && r.SequenceNr == 200 && r.Reason.Contains("a second event"));
        Assert.Equal(250, check.Refused.Count(r => r.Reason.Contains("is not a sequence number")));
        Assert.False(check.Clean);
    }
}
