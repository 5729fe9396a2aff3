using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using AntiNex.Tests.Infrastructure;
using StackExchange.Redis;

namespace AntiNex.Tests.Deploy;

/// <summary>
/// The cluster's Redis (deploy/lib/redis-acl.sh, append-only file on) restarted: everything the persistence plugin
/// wrote must come back, including what it wrote in transactions and scripts (journal events, snapshot commits, the
/// catalog). Redis replays the append-only file as the "default" user and re-checks a transaction's commands at EXEC,
/// so a default user without rules silently drops them. Nobody may log in as "default" all the same.
/// </summary>
public sealed class RedisAclRestartTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("antinex-acl-").FullName;
    private const string Password = "9c0f1e5a7b3d46e2a8c4f6b1d3e5a7c9";

    [Fact]
    public async Task Transactions_and_scripts_survive_a_restart_and_the_default_user_stays_locked()
    {
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Password)));
        var acl = Path.Combine(_dir, "users.acl");
        await File.WriteAllTextAsync(acl, await BashOutput($"source '{Repo.Root}/deploy/lib/redis-acl.sh'; redis_acl_file antinex {hash}"));
        var port = FreePorts.Take();
        var options = $"127.0.0.1:{port},user=antinex,password={Password},abortConnect=false";

        using (var redis = StartRedis(port, acl))
        {
            using var mux = await ConnectAsync(options);
            var db = mux.GetDatabase();
            var transaction = db.CreateTransaction();
            _ = transaction.StringSetAsync("antinex:{m}:highest", "7");
            _ = transaction.SortedSetAddAsync("antinex:{m}:events", "e7", 7);
            Assert.True(await transaction.ExecuteAsync());
            await db.ScriptEvaluateAsync("redis.call('HSET', KEYS[1], ARGV[1], ARGV[2]) return 1", ["antinex:{m}:snapshot-meta"], ["7", "record"]);
            await db.StringSetAsync("antinex:{m}:chunk", "bytes");
            Stop(redis);
        }
        using (var again = StartRedis(port, acl))
        {
            using var mux = await ConnectAsync(options);
            var db = mux.GetDatabase();
            Assert.Equal("7", await db.StringGetAsync("antinex:{m}:highest"));
            Assert.Equal(7, await db.SortedSetScoreAsync("antinex:{m}:events", "e7"));
            Assert.Equal("record", await db.HashGetAsync("antinex:{m}:snapshot-meta", "7"));
            Assert.Equal("bytes", await db.StringGetAsync("antinex:{m}:chunk"));
            Assert.StartsWith("-NOAUTH", await AnonymousAsync(port, "GET antinex:{m}:chunk"));
            Assert.StartsWith("-WRONGPASS", await AnonymousAsync(port, "AUTH default anything"));
            Stop(again);
        }
    }

    private Process StartRedis(int port, string acl)
    {
        var info = new ProcessStartInfo(RedisServer.Executable) { UseShellExecute = false, RedirectStandardOutput = true };
        foreach (var arg in new[] { "--port", port.ToString(), "--bind", "127.0.0.1", "--dir", _dir, "--aclfile", acl,
                     "--appendonly", "yes", "--appendfsync", "always", "--save", "" })
            info.ArgumentList.Add(arg);
        var process = Process.Start(info)!;
        process.OutputDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        return process;
    }

    private static async Task<ConnectionMultiplexer> ConnectAsync(string options)
    {
        for (var attempt = 0; ; attempt++)
        {
            var mux = await ConnectionMultiplexer.ConnectAsync(options);
            if (mux.IsConnected || attempt == 100) return mux;
            mux.Dispose();
            await Task.Delay(100);
        }
    }

    /// <summary>One inline command from a client that never authenticated; the first line of the answer.</summary>
    private static async Task<string> AnonymousAsync(int port, string command)
    {
        using var client = new System.Net.Sockets.TcpClient();
        await client.ConnectAsync("127.0.0.1", port);
        var stream = client.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes(command + "\r\n"));
        var buffer = new byte[256];
        var read = await stream.ReadAsync(buffer);
        return Encoding.ASCII.GetString(buffer, 0, read);
    }

    private static void Stop(Process redis)
    {
        redis.Kill(entireProcessTree: false); // SIGKILL: the append-only file (fsync always) is all that is left
        redis.WaitForExit(10_000);
    }

    private static async Task<string> BashOutput(string script)
    {
        var run = await Bash.LineAsync(script);
        Assert.True(run.ExitCode == 0, run.Output);
        return run.Stdout;
    }

    public void Dispose()
    {
        try { Directory.Delete(_dir, true); } catch (IOException) { }
    }
}
