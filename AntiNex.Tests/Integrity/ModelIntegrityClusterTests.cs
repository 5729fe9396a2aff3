using AntiNex.Models;
using AntiNex.Tests.Cluster;
using AntiNex.Tests.Persistence;
using StackExchange.Redis;
using Xunit.Abstractions;

namespace AntiNex.Tests.Integrity;

/// <summary>A real node process with a real redis-server: a snapshot altered in Redis is refused and logged, the label
/// serves its previous good version or reports itself unavailable; nodes refuse to start without a usable key.</summary>
[Collection("cluster-processes")]
public sealed class ModelIntegrityClusterTests(ITestOutputHelper output) : ClusterTestBase(output)
{
    private const string Prefix = "antinex:";

    /// <summary>Flips one byte in the middle of the newest stored snapshot of a model; returns its sequence number.</summary>
    private long FlipOneByteOfNewestSnapshot(string label)
    {
        var pid = ModelIds.PersistenceId(ModelIds.FromLabel(label));
        using var mux = ConnectionMultiplexer.Connect(Redis.ConnectionString);
        var db = mux.GetDatabase();
        var newest = db.HashKeys($"{Prefix}{{{pid}}}:snapshot-meta").Select(v => (long)v).Max();
        var server = mux.GetServer(mux.GetEndPoints()[0]);
        var chunk = server.Keys(pattern: $"{Prefix}{{{pid}}}:snapshot:{newest}:*:0").Single();
        var bytes = (byte[])db.StringGet(chunk)!;
        bytes[bytes.Length / 2] ^= 0x20;
        db.StringSet(chunk, bytes);
        return newest;
    }

    [Fact]
    public async Task A_snapshot_altered_in_Redis_is_refused_and_the_previous_version_served_or_the_label_reports_integrity()
    {
        var node = StartNode(SeedPorts[0]);
        await node.WaitReadyAsync(Ready);
        var gateway = await ConnectGatewayAsync();
        Assert.Equal(1, (await TrainAsync(gateway, "Tamper-Two")).Version);
        Assert.Equal(2, (await TrainAsync(gateway, "Tamper-Two")).Version);
        Assert.Equal(1, (await TrainAsync(gateway, "Tamper-One")).Version);
        Log.Step("trained tamper-two v1, v2 and tamper-one v1");
        await DisconnectAsync(gateway);
        await node.TerminateAsync(TimeSpan.FromSeconds(60));

        var twoSeq = FlipOneByteOfNewestSnapshot("Tamper-Two");
        var oneSeq = FlipOneByteOfNewestSnapshot("Tamper-One");
        Log.Step($"flipped one byte of model-tamper-two#{twoSeq} and model-tamper-one#{oneSeq}");

        node = StartNode(SeedPorts[0]);
        await node.WaitReadyAsync(Ready);
        gateway = await ConnectGatewayAsync();

        var served = await PredictAsync(gateway, "Tamper-Two");
        Assert.Equal(1, served.Version); // the altered v2 is never served
        var described = (ModelDescription)await gateway.DescribeAsync("tamper-two", AskTimeout);
        Assert.Equal(1, described.Version);

        var refused = await gateway.PredictAsync("tamper-one", Data.PredictJson("Tamper-One"), AskTimeout);
        var failed = Assert.IsType<ModelFailed>(refused);
        Assert.Equal("integrity", failed.Code);
        Assert.Contains("refused", failed.Message);
        Log.Step($"tamper-one answers: {failed.Code}: {failed.Message}");

        // Training again stores a new, signed version that serves.
        Assert.Equal(2, (await TrainAsync(gateway, "Tamper-One")).Version);
        Assert.Equal(2, (await PredictAsync(gateway, "Tamper-One")).Version);

        var log = File.ReadAllText(node.LogPath);
        Assert.Contains($"Snapshot model-tamper-two#{twoSeq} REFUSED", log);
        Assert.Contains($"Snapshot model-tamper-one#{oneSeq} REFUSED", log);
        Assert.Contains("serving the previous good version 1", log);
        Assert.Contains("not run again: the newest stored snapshot was refused", log); // no old request re-run on its own
        var key = File.ReadAllText(TestModelKey.FileIn(WorkDir)).Trim();
        foreach (var file in Directory.GetFiles(WorkDir, "node-*.log"))
            Assert.DoesNotContain(key, File.ReadAllText(file));
        Passed();
    }

    [Fact]
    public async Task An_insecure_node_starts_without_a_key_and_warns_that_models_are_unsigned()
    {
        var node = StartNode(SeedPorts[0], "--insecure", "--model-key-file", "");
        await node.WaitReadyAsync(Ready);
        await Task.Delay(500);
        Assert.Contains("INSECURE: models are stored in Redis unsigned", node.Tail(200));
        Passed();
    }

    [Theory]
    [InlineData("", "no model signing key")]
    [InlineData("short", "at least 32 are needed")]
    [InlineData("missing", "key file not found")]
    public async Task A_node_with_Redis_refuses_to_start_without_a_usable_key(string key, string expected)
    {
        var file = key switch
        {
            "short" => Path.Combine(WorkDir, "short.key"),
            "missing" => Path.Combine(WorkDir, "missing.key"),
            _ => "",
        };
        if (key == "short") File.WriteAllText(file, "0123456789abcdef0123456789\n");
        var node = StartNode(SeedPorts[0], "--model-key-file", file);
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => node.WaitReadyAsync(Ready));
        Assert.Contains("exited with 2", error.Message);
        Assert.Contains("--model-key-file", node.Tail());
        Assert.Contains(expected, node.Tail());
        Passed();
    }

    /// <summary>`antinex-node sign-journal` against the test's Redis with the nodes' key: exit code and output.</summary>
    private async Task<(int Code, string Output)> SignJournalAsync(params string[] mode)
    {
        var info = new System.Diagnostics.ProcessStartInfo("dotnet")
        {
            RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false, WorkingDirectory = WorkDir,
        };
        foreach (var a in new[] { Infrastructure.Repo.Dll("AntiNex.Node", "antinex-node"), "sign-journal", "--redis", Redis.ConnectionString,
                     "--model-key-file", TestModelKey.FileIn(WorkDir) }.Concat(mode))
            info.ArgumentList.Add(a);
        using var process = System.Diagnostics.Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        try { await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(120)); }
        finally { if (!process.HasExited) process.Kill(entireProcessTree: true); }
        var output = await stdout + await stderr;
        Log.Step($"sign-journal {string.Join(" ", mode)} exited {process.ExitCode}:\n{output}");
        return (process.ExitCode, output);
    }

    private byte FirstStoredByte(string label)
    {
        using var mux = ConnectionMultiplexer.Connect(Redis.ConnectionString);
        var key = $"{Prefix}{{{ModelIds.PersistenceId(ModelIds.FromLabel(label))}}}:events";
        return ((byte[])mux.GetDatabase().SortedSetRangeByRank(key, 0, 0).Single()!)[0];
    }

    [Fact]
    public async Task A_journal_stored_before_events_were_signed_is_refused_until_sign_journal_vouches_for_it()
    {
        var node = StartNode(SeedPorts[0]);
        await node.WaitReadyAsync(Ready);
        var gateway = await ConnectGatewayAsync();
        Assert.Equal(1, (await TrainAsync(gateway, "Kept")).Version);
        await TrainAsync(gateway, "Dropped");
        Assert.IsType<ModelForgotten>(await gateway.ForgetAsync(ModelIds.FromLabel("Dropped"), AskTimeout));
        await DisconnectAsync(gateway);
        await node.TerminateAsync(TimeSpan.FromSeconds(60));

        // The journal as a version that did not sign events left it.
        var (stripped, _) = await SignJournalAsync("--strip");
        Assert.Equal(0, stripped);
        Assert.NotEqual(0x00, FirstStoredByte("Dropped"));

        node = StartNode(SeedPorts[0]);
        await node.WaitReadyAsync(Ready);
        gateway = await ConnectGatewayAsync();
        // A label replays only the events after its newest snapshot: a trained label serves as before; a forgotten one
        // (its journal ends with the "forgotten" event) cannot recover.
        Assert.Equal(1, (await PredictAsync(gateway, "Kept")).Version);
        var retrain = await gateway.TrainAsync(ModelIds.FromLabel("Dropped"), Data.TrainJson("Dropped", 3), TrainTimeout);
        var refused = Assert.IsType<ModelFailed>(retrain);
        Assert.Equal("integrity", refused.Code);
        Assert.Contains("no signature", refused.Message);
        Assert.Contains("sign-journal", refused.Message);
        Assert.Equal(1, (await TrainAsync(gateway, "Other")).Version); // every other label serves and trains
        Log.Step($"before sign-journal: dropped answers {refused.Code}: {refused.Message}");
        var (busyCode, busyOutput) = await SignJournalAsync();
        Assert.Equal(4, busyCode); // never while a member may write
        Assert.Contains("nodes are running on this Redis", busyOutput);
        await DisconnectAsync(gateway);
        await node.TerminateAsync(TimeSpan.FromSeconds(60));

        var (checkCode, checkOutput) = await SignJournalAsync("--check");
        Assert.Equal(1, checkCode);
        Assert.Contains("unsigned and 0 refused events", checkOutput);
        var (signCode, signOutput) = await SignJournalAsync();
        Assert.Equal(0, signCode);
        Assert.Contains("Every event is signed", signOutput);
        Assert.Equal(0, (await SignJournalAsync("--check")).Code);

        node = StartNode(SeedPorts[0]);
        await node.WaitReadyAsync(Ready);
        gateway = await ConnectGatewayAsync();
        Assert.Equal(1, (await PredictAsync(gateway, "Kept")).Version);
        await TrainAsync(gateway, "Dropped");
        Assert.Equal(2, (await TrainAsync(gateway, "Kept")).Version);
        Passed();
    }

    [Fact]
    public async Task Sign_journal_says_what_is_wrong_with_its_options_and_never_reports_success_for_an_empty_prefix()
    {
        var (typo, typoOutput) = await SignJournalAsync("--check", "--redis-prefix", "antinex:typo:");
        Assert.Equal(1, typo);
        Assert.Contains("no journal under key prefix 'antinex:typo:'", typoOutput);
        var (both, bothOutput) = await SignJournalAsync("--check", "--strip");
        Assert.Equal(2, both);
        Assert.Contains("give one of them", bothOutput);
        var (unknown, unknownOutput) = await SignJournalAsync("--sign-everything");
        Assert.Equal(2, unknown);
        Assert.Contains("unknown option '--sign-everything'", unknownOutput);
        Assert.Contains("antinex-node sign-journal [--check | --strip]", unknownOutput);
        Assert.DoesNotContain("--training-concurrency", unknownOutput); // this command's usage, not the node's
        var (noPassword, noPasswordOutput) = await SignJournalAsync("--redis-password-file", Path.Combine(WorkDir, "missing.password"));
        Assert.Equal(2, noPassword);
        Assert.Contains("missing.password", noPasswordOutput);
        Assert.DoesNotContain("Unhandled exception", noPasswordOutput);
        Passed();
    }
}
