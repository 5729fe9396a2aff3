// Redis behind a password: a client without it is refused (NOAUTH), a node with a wrong one stops with a clear
// message instead of retrying forever, a node never takes the password from its command line, and no secret ever
// reaches a node's log.
using System.Net.Sockets;
using System.Text;
using AntiNex.Tests.Infrastructure;
using Xunit.Abstractions;

namespace AntiNex.Tests.Cluster;

[Collection("cluster-processes")]
public sealed class RedisSecretTests(ITestOutputHelper output) : ClusterTestBase(output)
{
    private const string Password = "f3a9c1e07b6d42a8a1c5e9d2b7f40c66";

    [Fact]
    public async Task Redis_needs_the_password_and_no_node_log_ever_shows_a_secret()
    {
        using var redis = RedisServer.Start(password: Password);
        Assert.StartsWith("-NOAUTH", await RawCommandAsync(redis.Port, "PING"));
        Assert.StartsWith("-NOAUTH", await RawCommandAsync(redis.Port, "KEYS *"));

        var passwordFile = Path.Combine(WorkDir, "redis.password");
        await File.WriteAllTextAsync(passwordFile, Password + "\n");
        var wrongFile = Path.Combine(WorkDir, "wrong.password");
        await File.WriteAllTextAsync(wrongFile, "not-the-password\n");
        var endpoint = $"127.0.0.1:{redis.Port}";

        var wrong = NodeProcess.Start(WorkDir, FreePorts.Take(), Seeds, endpoint, Data.Root, StableAfter, "--redis-password-file", wrongFile);
        var inArgv = NodeProcess.Start(WorkDir, FreePorts.Take(), Seeds, $"{endpoint},password={Password}", Data.Root, StableAfter);
        using (wrong)
        using (inArgv)
        {
            await ExitedAsync(wrong);
            await ExitedAsync(inArgv);
            Assert.Matches(@"Redis 127\.0\.0\.1:\d+.*authentication refused.*--redis-password-file", Flat(wrong));
            Assert.Contains("--redis: a password on the command line is visible to every user (ps)", Flat(inArgv));
            Assert.DoesNotContain(Password, await File.ReadAllTextAsync(inArgv.LogPath));
        }

        using var node = NodeProcess.Start(WorkDir, ReleaseSeedPort(0), Seeds, endpoint, Data.Root, StableAfter,
            "--redis-password-file", passwordFile);
        await node.WaitReadyAsync(Ready);
        var gateway = await ConnectGatewayAsync();
        await TrainAsync(gateway, "secret-keeper");
        await PredictAsync(gateway, "secret-keeper");
        await DisconnectAsync(gateway);
        await node.TerminateAsync(TimeSpan.FromSeconds(60));

        var log = await File.ReadAllTextAsync(node.LogPath);
        Assert.Contains("persistence redis", log); // the connection is described...
        Assert.DoesNotContain(Password, log);      // ...without its password
        Assert.DoesNotContain(TestPki.Node.Password, log);
        Passed();
    }

    private static string Flat(NodeProcess node) => System.Text.RegularExpressions.Regex.Replace(node.Tail(20), @"\s+", " ");

    private static async Task ExitedAsync(NodeProcess node)
    {
        Assert.True(await node.WaitForExitAsync(TimeSpan.FromSeconds(60)), $"node {node.Name} should have stopped:\n{node.Tail()}");
    }

    /// <summary>What redis-cli would see: one inline command on a fresh connection, the first reply line.</summary>
    private static async Task<string> RawCommandAsync(int port, string command)
    {
        using var client = new TcpClient();
        await client.ConnectAsync("127.0.0.1", port);
        var stream = client.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes(command + "\r\n"));
        using var reader = new StreamReader(stream, Encoding.ASCII);
        return await reader.ReadLineAsync() ?? "";
    }
}
