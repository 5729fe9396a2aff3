using Akka.Actor;
using Akka.TestKit.Xunit2;
using AntiNex.Audit;
using AntiNex.Models;
using AntiNex.Persistence.Signing;
using AntiNex.Tests.Infrastructure;
using AntiNex.Tests.Persistence;
using StackExchange.Redis;

namespace AntiNex.Tests.Integrity;

/// <summary>The node's audit service against a real redis-server: every notice becomes one stream entry with the caller
/// identity, queries filter by label and time, the stream stays capped, and a failing Redis is logged and counted.</summary>
[Collection(SharedRedisCollection.Name)]
public sealed class AuditServiceTests(RedisFixture redis) : TestKit(Akka.Configuration.ConfigurationFactory.ParseString("akka.loglevel = INFO"))
{
    /// <summary>The service subscribes to notices in PreStart; any reply to a message comes after it.</summary>
    private static Task Subscribed(IActorRef service) => service.Ask<AuditEntries>(new QueryAudit(null, null, 1), TimeSpan.FromSeconds(10));

    private readonly string _stream = PersistenceTestConfig.NewPrefix() + "audit";

    private static ModelCommandAudited Notice(string action, string label, RequestOrigin? origin, string result = "ok",
        string? requestId = null, DateTimeOffset? at = null) =>
        new(action, label, origin, requestId ?? Guid.NewGuid().ToString("N")[..8], result, result == "ok" ? null : "refused: busy",
            at ?? DateTimeOffset.UtcNow, "127.0.0.1:4053");

    private IActorRef StartService(IConnectionMultiplexer mux, int maxEntries = 1000) =>
        Sys.ActorOf(AuditService.Props(new RedisAuditLog(mux, _stream, maxEntries)));

    private async Task<AuditEntries> WaitFor(IActorRef service, QueryAudit query, int count)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (true)
        {
            var answer = await service.Ask<AuditEntries>(query, TimeSpan.FromSeconds(5));
            if (answer.Entries.Count >= count || DateTime.UtcNow > deadline) return answer;
            await Task.Delay(50);
        }
    }

    [Fact]
    public async Task Every_mutating_command_is_recorded_with_its_caller_identity()
    {
        using var mux = await ConnectionMultiplexer.ConnectAsync(redis.Server.ConnectionString);
        var service = StartService(mux);
        await Subscribed(service);
        var console = new RequestOrigin(Subject: "CN=ops-console", Client: "10.0.0.5:41000", Via: "console");
        Sys.EventStream.Publish(Notice("train", "web", console, requestId: "r-train"));
        Sys.EventStream.Publish(Notice("forget", "web", new RequestOrigin(ApiKeyId: "k-17", Client: "10.0.0.6", Via: "http"), requestId: "r-forget"));
        Sys.EventStream.Publish(Notice("cancel", "dns", console, result: "failed", requestId: "r-cancel"));
        Sys.EventStream.Publish(Notice("train", "dns", new RequestOrigin(Client: "10.0.0.7:4100", Via: "queue:webapp.train.requests"),
            requestId: "r-queue"));
        Sys.EventStream.Publish(Notice("search-retrain", "dns", console with { Via = "search" }, requestId: "r-search"));

        var answer = await WaitFor(service, new QueryAudit(null, null, 50), 5);
        Assert.Null(answer.Error);
        Assert.Equal(["r-search", "r-queue", "r-cancel", "r-forget", "r-train"], answer.Entries.Select(e => e.RequestId));
        var train = answer.Entries.Single(e => e.RequestId == "r-train");
        Assert.Equal(("train", "web", "CN=ops-console", "console", "10.0.0.5:41000", "ok"),
            (train.Action, train.Label, train.Who, train.Via, train.Client, train.Result));
        Assert.Equal("key:k-17", answer.Entries.Single(e => e.RequestId == "r-forget").Who);
        var queued = answer.Entries.Single(e => e.RequestId == "r-queue");
        Assert.Equal(("anonymous", "queue:webapp.train.requests"), (queued.Who, queued.Via));
        var cancelled = answer.Entries.Single(e => e.RequestId == "r-cancel");
        Assert.Equal(("failed", "refused: busy"), (cancelled.Result, cancelled.Detail));
        Assert.Equal(5, await mux.GetDatabase().StreamLengthAsync(_stream));
    }

    [Fact]
    public async Task Queries_filter_by_label_and_time_and_honour_the_limit()
    {
        using var mux = await ConnectionMultiplexer.ConnectAsync(redis.Server.ConnectionString);
        var service = StartService(mux);
        await Subscribed(service);
        for (var i = 0; i < 30; i++) Sys.EventStream.Publish(Notice("train", i % 3 == 0 ? "Web" : "dns", null, requestId: $"r-{i}"));
        await WaitFor(service, new QueryAudit(null, null, 100), 30);

        var web = await service.Ask<AuditEntries>(new QueryAudit("  WEB ", null, 100), TimeSpan.FromSeconds(5));
        Assert.Equal(10, web.Entries.Count);
        Assert.All(web.Entries, e => Assert.Equal("Web", e.Label));
        Assert.Equal("r-27", web.Entries[0].RequestId); // newest first

        var limited = await service.Ask<AuditEntries>(new QueryAudit("dns", null, 4), TimeSpan.FromSeconds(5));
        Assert.Equal(["r-29", "r-28", "r-26", "r-25"], limited.Entries.Select(e => e.RequestId));

        var future = await service.Ask<AuditEntries>(new QueryAudit(null, DateTimeOffset.UtcNow.AddMinutes(5), 100), TimeSpan.FromSeconds(5));
        Assert.Empty(future.Entries);
        var recent = await service.Ask<AuditEntries>(new QueryAudit(null, DateTimeOffset.UtcNow.AddMinutes(-5), 100), TimeSpan.FromSeconds(5));
        Assert.Equal(30, recent.Entries.Count);
    }

    [Fact]
    public void An_answer_keeps_the_newest_entries_that_fit_its_budget_and_says_it_left_older_ones_out()
    {
        var entries = Enumerable.Range(0, 100).Select(i => new AuditEntry($"{1000 - i}-0", DateTimeOffset.UnixEpoch, "train", "web",
            "key:ops", null, "ops", "http", null, null, "training-failed", new string('x', 1000), "n1")).ToList();
        var whole = AuditService.Fitted(entries, 0, 10_000_000);
        Assert.False(whole.Truncated);
        Assert.Equal(100, whole.Entries.Count);

        var fitted = AuditService.Fitted(entries, 2, 20_000);
        Assert.True(fitted.Truncated);
        Assert.InRange(fitted.Entries.Count, 10, 19);
        Assert.Equal(entries.Take(fitted.Entries.Count), fitted.Entries); // the newest, in order
        Assert.Equal(2, fitted.WriteFailures);
        Assert.Single(AuditService.Fitted(entries, 0, 10).Entries); // never none
    }

    [Fact]
    public async Task The_stream_stays_within_its_size_cap()
    {
        using var mux = await ConnectionMultiplexer.ConnectAsync(redis.Server.ConnectionString);
        var log = new RedisAuditLog(mux, _stream, maxEntries: 200);
        for (var i = 0; i < 2000; i++)
            await log.AppendAsync(AuditEntry.From(Notice("train", "web", null, requestId: $"r-{i}")));
        var length = await mux.GetDatabase().StreamLengthAsync(_stream);
        // MAXLEN ~ trims whole stream nodes (100 entries by default): the length stays within one node above the cap.
        Assert.InRange(length, 200, 300);
        var newest = await log.QueryAsync(new QueryAudit(null, null, 1));
        Assert.Equal("r-1999", newest.Single().RequestId);
    }

    [Fact]
    public async Task A_failing_audit_log_is_logged_and_counted_and_reads_report_the_error()
    {
        var port = FreePorts.Take(); // nothing listens there
        var options = ConfigurationOptions.Parse($"127.0.0.1:{port},abortConnect=false,connectTimeout=200,asyncTimeout=300,syncTimeout=300");
        options.BacklogPolicy = BacklogPolicy.FailFast;
        using var dead = await ConnectionMultiplexer.ConnectAsync(options);
        var service = Sys.ActorOf(AuditService.Props(new RedisAuditLog(dead, _stream, 100)));
        await Subscribed(service);
        await EventFilter.Warning(contains: "audit: could not record train of 'web' (request r-lost)")
            .ExpectOneAsync(() => { Sys.EventStream.Publish(Notice("train", "web", null, requestId: "r-lost")); return Task.CompletedTask; });
        var answer = await service.Ask<AuditEntries>(new QueryAudit(null, null, 10), TimeSpan.FromSeconds(10));
        Assert.NotNull(answer.Error);
        Assert.Equal(1, answer.WriteFailures);
    }

    private static AuditSigner NewSigner() => new(SigningKey.FromBytes(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)));

    [Fact]
    public async Task Entries_written_with_the_key_verify_and_entries_added_or_re_signed_in_Redis_do_not()
    {
        using var mux = await ConnectionMultiplexer.ConnectAsync(redis.Server.ConnectionString);
        var signer = NewSigner();
        var log = new RedisAuditLog(mux, _stream, 1000, signer);
        await log.AppendAsync(AuditEntry.From(Notice("train", "web", new RequestOrigin(Subject: "CN=ops"), requestId: "genuine")));
        var db = mux.GetDatabase();
        var genuine = (await db.StreamRangeAsync(_stream)).Single();

        // Added by hand: no signature; the genuine signature on other fields; a signature made with another key.
        await db.StreamAddAsync(_stream, [.. genuine.Values.Where(v => v.Name != "sig" && v.Name != "request_id"), new("request_id", "plain")]);
        await db.StreamAddAsync(_stream, [.. genuine.Values.Select(v => v.Name == "who" ? new NameValueEntry("who", "CN=mallory") : v)
            .Where(v => v.Name != "request_id"), new("request_id", "moved-sig")]);
        var stranger = new RedisAuditLog(mux, _stream, 1000, NewSigner());
        await stranger.AppendAsync(AuditEntry.From(Notice("forget", "web", null, requestId: "other-key")));

        var read = (await log.QueryAsync(new QueryAudit(null, null, 10))).ToDictionary(e => e.RequestId!, e => e.Integrity);
        Assert.Equal(AuditEntry.Verified, read["genuine"]);
        Assert.Equal(AuditEntry.Unsigned, read["plain"]);
        Assert.StartsWith(AuditEntry.RefusedPrefix + "its signature does not match", read["moved-sig"]);
        Assert.Contains("which this node does not hold", read["other-key"]);
        // A log without a key checks nothing and says so with null, not with "verified".
        Assert.All(await new RedisAuditLog(mux, _stream, 1000).QueryAsync(new QueryAudit(null, null, 10)), e => Assert.Null(e.Integrity));
    }
}
