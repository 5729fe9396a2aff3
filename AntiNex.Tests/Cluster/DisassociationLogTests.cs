// A console gateway ends its connections when its command ends; one a user kills hard ends them without a goodbye. The
// nodes log either as one information line, not as an error with a stack trace ("Disassociated"), so that their logs
// keep errors for what needs a look.
using AntiNex.Tests.Infrastructure;
using Xunit.Abstractions;

namespace AntiNex.Tests.Cluster;

[Collection("cluster-processes")]
public sealed class DisassociationLogTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Gateways_that_leave_or_are_killed_leave_no_disassociation_error_in_the_node_log()
    {
        var work = Directory.CreateDirectory(Path.Combine(Path.GetTempPath(), "antinex-disassoc-" + Guid.NewGuid().ToString("N")[..10])).FullName;
        try
        {
            var data = new TestData(Directory.CreateDirectory(Path.Combine(work, "data")).FullName);
            using var redis = RedisServer.Start(aof: false);
            var port = FreePorts.Take();
            using var node = NodeProcess.Start(work, port, [$"akka.tcp://antinex@127.0.0.1:{port}"], redis.ConnectionString, data.Root,
                TimeSpan.FromSeconds(3));
            await node.WaitReadyAsync(TimeSpan.FromSeconds(90));

            for (var i = 0; i < 3; i++)
            {
                var (code, _, stderr) = await GatewayProcess.RunAsync(TimeSpan.FromMinutes(1), "models", "--seed-node", node.Address);
                Assert.True(code == 0, stderr);
            }
            // A console killed hard once it is a member (its terminal closed, kill -9): no goodbye at all.
            var keys = Path.Combine(work, "keys.json");
            var (added, _, addErr) = await GatewayProcess.RunAsync(TimeSpan.FromMinutes(1), "serve", "keys", "add", "--id", "ops",
                "--scopes", "read", "--file", keys);
            Assert.True(added == 0, addErr);
            var http = FreePorts.Take();
            using (var killed = GatewayProcess.Start("serve", "--seed-node", node.Address, "--api-keys", keys, "--urls", $"http://127.0.0.1:{http}"))
            {
                using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
                await ReadyPoll.UntilReadyAsync(killed, client, $"http://127.0.0.1:{http}/v2/health/ready", "serve", () => "",
                    TimeSpan.FromSeconds(90));
                killed.Kill();
                await killed.WaitForExitAsync();
            }
            await Task.Delay(TimeSpan.FromSeconds(8)); // the node notices, gates the address, logs

            var lines = Lines(node);
            output.WriteLine(node.Tail(60));
            Assert.DoesNotContain(lines, l => l.Contains("Disassociated", StringComparison.Ordinal) &&
                                              (l.Contains("[ERROR]", StringComparison.Ordinal) || l.Contains("[WARNING]", StringComparison.Ordinal)));
            Assert.DoesNotContain(lines, l => l.Contains("EndpointDisassociatedException", StringComparison.Ordinal));
            Assert.False(node.HasExited, node.Tail());
        }
        finally
        {
            try { Directory.Delete(work, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }

    private static string[] Lines(NodeProcess node)
    {
        node.Tail(1); // flushes the log
        using var stream = new FileStream(node.LogPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd().Split('\n');
    }

    /// <summary>Whether a departing peer makes the node log a disassociation at all depends on timing, so the filter
    /// itself is checked here: Akka.Remote's (internal) disassociation cause becomes one information line, other errors stay.</summary>
    [Fact]
    public void A_disassociation_error_or_warning_becomes_one_information_line_and_other_errors_stay()
    {
        var type = typeof(Akka.Remote.RemoteSettings).Assembly.GetType("Akka.Remote.EndpointDisassociatedException", throwOnError: true)!;
        var cause = (Exception)Activator.CreateInstance(type, "Disassociated")!;
        foreach (Akka.Event.LogEvent log in new Akka.Event.LogEvent[]
                 {
                     new Akka.Event.Error(cause, "endpoint", typeof(object), "Disassociated"),
                     new Akka.Event.Warning(cause, "endpoint", typeof(object), "Disassociated"),
                 })
        {
            var quieted = AntiNex.Cluster.AntiNexAkkaLogger.Quieted(log);
            Assert.IsType<Akka.Event.Info>(quieted);
            Assert.Equal(AntiNex.Cluster.AntiNexAkkaLogger.DisassociatedText, quieted!.Message.ToString());
        }
        Assert.Null(AntiNex.Cluster.AntiNexAkkaLogger.Quieted(
            new Akka.Event.Error(new InvalidOperationException("real"), "endpoint", typeof(object), "real")));
    }
}
