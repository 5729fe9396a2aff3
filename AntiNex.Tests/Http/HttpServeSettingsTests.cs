// The parts of the HTTP service that need no cluster: address rules (loopback unless TLS or --insecure-http), the
// key file (hashed, 0600, secret printed once), label patterns, tensor reading, and `serve` refusing bad settings
// before it joins anything.
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using AntiNex.Gateway.Http;
using AntiNex.Gateway.Http.Auth;
using AntiNex.Gateway.Http.Inference;
using AntiNex.Tests.Cluster;
using AntiNex.Tests.Infrastructure;

namespace AntiNex.Tests.Http;

public sealed class HttpServeSettingsTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("antinex-http-settings-").FullName;

    [Theory]
    [InlineData("http://127.0.0.1:8080")]
    [InlineData("http://localhost:8080")]
    [InlineData("http://[::1]:8080")]
    public void Plain_http_on_loopback_is_allowed(string url)
        => Assert.Single(ListenAddress.ParseAll(new HttpServeOptions { Urls = [url] }));

    [Theory]
    [InlineData("http://0.0.0.0:8080", "beyond this machine")]
    [InlineData("http://*:8080", "beyond this machine")]
    [InlineData("http://192.168.1.4:8080", "beyond this machine")]
    [InlineData("https://0.0.0.0:8443", "no --https-certificate")]
    [InlineData("http://example.com:8080", "give an IP address")]
    [InlineData("ftp://127.0.0.1:21", "is not http(s)")]
    public void Non_loopback_plain_http_and_https_without_a_certificate_are_refused(string url, string message)
    {
        var e = Assert.Throws<ArgumentException>(() => ListenAddress.ParseAll(new HttpServeOptions { Urls = [url] }));
        Assert.Contains(message, e.Message);
        Assert.Contains("--urls", e.Message);
    }

    [Fact]
    public void Insecure_http_flag_allows_a_non_loopback_address()
        => Assert.False(ListenAddress.ParseAll(new HttpServeOptions { Urls = ["http://0.0.0.0:8080"], InsecureHttp = true })[0].IsLoopback);

    [Fact]
    public async Task Keys_add_stores_only_a_hash_in_a_0600_file_and_prints_the_secret_once()
    {
        var file = Path.Combine(_dir, "keys.json");
        var (code, stdout, stderr) = await GatewayProcess.RunAsync(TimeSpan.FromMinutes(1),
            "serve", "keys", "add", "--id", "ops", "--scopes", "read,admin", "--labels", "db-*", "--file", file);
        Assert.True(code == 0, stderr);
        var secret = stdout.Trim();
        Assert.StartsWith("anx_", secret);
        Assert.True(secret.Length >= 40);
        var text = File.ReadAllText(file);
        Assert.DoesNotContain(secret, text);
        Assert.Contains(Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(secret))), text);
        if (!OperatingSystem.IsWindows()) Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));

        var store = ApiKeyStore.Load(file)!;
        var key = store.Find(secret);
        Assert.NotNull(key);
        Assert.Equal("ops", key!.Id);
        Assert.True(key.Has(ApiScope.Admin));
        Assert.False(key.Has(ApiScope.Predict));
        Assert.Null(store.Find(secret + "x"));
        Assert.Null(store.Find(""));

        var again = await GatewayProcess.RunAsync(TimeSpan.FromMinutes(1), "serve", "keys", "add", "--id", "ops", "--scopes", "read", "--file", file);
        Assert.Equal(2, again.ExitCode);
        Assert.Contains("already", again.Stdout + again.Stderr);
        var badScope = await GatewayProcess.RunAsync(TimeSpan.FromMinutes(1),
            "serve", "keys", "add", "--id", "x", "--scopes", "read,root", "--file", file);
        Assert.Equal(2, badScope.ExitCode);
        Assert.Contains("'root' is not a scope", badScope.Stdout + badScope.Stderr);

        // A blank pattern (an unset shell variable) would grant every label; a negative limit would leave a file that
        // `serve` refuses, and every later revoke with it. Both are refused, and the file stays usable.
        var blank = await GatewayProcess.RunAsync(TimeSpan.FromMinutes(1),
            "serve", "keys", "add", "--id", "team", "--scopes", "read", "--labels", " ", "--file", file);
        Assert.Equal(2, blank.ExitCode);
        Assert.Contains("--labels: empty", blank.Stdout + blank.Stderr);
        var negative = await GatewayProcess.RunAsync(TimeSpan.FromMinutes(1),
            "serve", "keys", "add", "--id", "team", "--scopes", "read", "--rate-limit", "-1", "--file", file);
        Assert.Equal(2, negative.ExitCode);
        Assert.Contains("--rate-limit: must be >= 0", negative.Stdout + negative.Stderr);
        Assert.Equal(["ops"], ApiKeyStore.Load(file)!.Keys.Select(k => k.Id));
    }

    [Fact]
    public async Task Serve_refuses_a_jobs_folder_it_cannot_write_naming_the_option()
    {
        var file = Path.Combine(_dir, "keys.json");
        var add = await GatewayProcess.RunAsync(TimeSpan.FromMinutes(1), "serve", "keys", "add", "--id", "ops", "--scopes", "read", "--file", file);
        Assert.True(add.ExitCode == 0, add.Stderr);
        var notAFolder = Path.Combine(_dir, "plain-file");
        File.WriteAllText(notAFolder, "");
        var (code, stdout, stderr) = await GatewayProcess.RunAsync(TimeSpan.FromMinutes(1), "serve", "--api-keys", file,
            "--jobs-dir", Path.Combine(notAFolder, "jobs"), "--seed-node", "akka.tcp://antinex@127.0.0.1:1");
        Assert.Equal(2, code);
        Assert.Contains("--jobs-dir:", stdout + stderr);
        Assert.DoesNotContain("   at ", stdout + stderr); // a usage error, not a stack trace
    }

    [Fact]
    public void A_key_file_with_a_null_entry_is_refused_naming_it()
    {
        var e = Assert.Throws<ArgumentException>(() => ApiKeyStore.Parse("""{"keys": [null]}""", "keys.json"));
        Assert.Contains("keys[0]: null", e.Message);
    }

    [Fact]
    public void Scopes_written_by_hand_grant_what_they_name_whatever_their_case()
    {
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes("anx_hand-written")));
        // `keys add` lower-cases scopes; a file or $ANTINEX_API_KEYS written by hand is read the same way.
        var store = ApiKeyStore.Parse($$"""{"keys": [{"id": "ops", "sha256": "{{hash}}", "scopes": ["Read", " PREDICT "], "labels": "*"}]}""",
            "keys.json");
        var key = store.Find("anx_hand-written");
        Assert.NotNull(key);
        Assert.True(key.Has(ApiScope.Read));
        Assert.True(key.Has(ApiScope.Predict));
        Assert.False(key.Has(ApiScope.Train));
    }

    [Theory]
    [InlineData("http://0.0.0.0:26999", "beyond this machine")]
    [InlineData("http://127.0.0.1:26999", "no API keys")]
    public async Task Serve_refuses_bad_settings_before_joining_the_cluster(string url, string message)
    {
        var (code, stdout, stderr) = await GatewayProcess.RunAsync(TimeSpan.FromMinutes(1),
            "serve", "--urls", url, "--seed-node", "akka.tcp://antinex@127.0.0.1:1");
        Assert.Equal(2, code);
        Assert.Contains(message, System.Text.RegularExpressions.Regex.Replace(stdout + stderr, @"\s+", " ")); // the console wraps long lines
    }

    [Theory]
    [InlineData("--local-copies", "-1", "--local-copies: must be >= 0")]
    [InlineData("--local-copy-rows", "-5", "--local-copy-rows: must be >= 0")]
    public async Task Serve_refuses_a_negative_local_copy_setting(string option, string value, string message)
    {
        var (code, stdout, stderr) = await GatewayProcess.RunAsync(TimeSpan.FromMinutes(1),
            "serve", option, value, "--seed-node", "akka.tcp://antinex@127.0.0.1:1");
        Assert.Equal(2, code);
        Assert.Contains(message, stdout + stderr);
    }

    [Theory]
    [InlineData("web-*", "web-1", true)]
    [InlineData("web-*", "WEB-1", true)]
    [InlineData("web-*", "db-1", false)]
    [InlineData("web-?", "web-12", false)]
    [InlineData("web-*, db-1", "db-1", true)]
    [InlineData("*", "anything", true)]
    [InlineData("web.*", "webx1", false)]
    public void Label_patterns_are_globs_over_the_lower_cased_label(string pattern, string label, bool allowed)
        => Assert.Equal(allowed, new LabelPattern(pattern).Allows(AntiNex.Models.ModelIds.FromLabel(label)));

    [Theory]
    [InlineData("*", true)]
    [InlineData("", true)] // no pattern given: every label
    [InlineData("web-*, *", true)]
    [InlineData("**", true)]
    [InlineData("web-*", false)]
    [InlineData("*-*", false)] // every label with a dash, not every label
    [InlineData("?*", false)]
    public void Only_a_lone_wildcard_allows_every_label(string pattern, bool every)
        => Assert.Equal(every, new LabelPattern(pattern).AllowsEvery);

    [Fact]
    public void A_pattern_of_many_wildcards_matches_a_long_label_in_linear_time()
    {
        // A path's label is as long as the request line allows: a backtracking match of this glob would run past its
        // timeout and answer a 500 after burning the CPU for it.
        var pattern = new LabelPattern("*a*a*a*a*a*a*a*a*b");
        var label = new string('a', 8000);
        var watch = System.Diagnostics.Stopwatch.StartNew();
        Assert.False(pattern.Allows(label));
        Assert.True(pattern.Allows(label + "b"));
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(2), $"took {watch.Elapsed}");
    }

    [Theory]
    [InlineData("8MB", 8L << 20)]
    [InlineData("1GB", 1L << 30)]
    [InlineData("512kb", 512L << 10)]
    public void Max_body_sizes_up_to_one_gigabyte_are_read(string raw, long bytes)
        => Assert.Equal(bytes, AntiNex.Gateway.Commands.ServeCommand.ParseBytes(raw, max: AntiNex.Gateway.Commands.ServeCommand.MaxBodyLimit));

    [Theory]
    [InlineData("4GB")]
    [InlineData("2147483648")]
    [InlineData("1e30GB")]
    public void A_max_body_beyond_what_one_buffer_holds_is_refused_naming_the_option(string raw)
    {
        var e = Assert.Throws<ArgumentException>(
            () => AntiNex.Gateway.Commands.ServeCommand.ParseBytes(raw, max: AntiNex.Gateway.Commands.ServeCommand.MaxBodyLimit));
        Assert.Contains("--max-body", e.Message, StringComparison.Ordinal);
        Assert.Contains(raw, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Nested_and_flat_tensor_data_read_the_same_rows()
    {
        string[] features = ["a", "b", "c"];
        var flat = Read("""{"inputs": [{"name": "x", "shape": [2, 3], "datatype": "FP32", "data": [1, 2, 3, 4, 5, 6]}]}""", features);
        var nested = Read("""{"inputs": [{"name": "x", "shape": [2, 3], "datatype": "FP64", "data": [[1, 2, 3], [4, 5, 6]]}]}""", features);
        var named = Read("""
            {"inputs": [{"name": "c", "shape": [2], "datatype": "INT32", "data": [3, 6]},
                        {"name": "a", "shape": [2, 1], "datatype": "FP64", "data": [[1], [4]]},
                        {"name": "b", "shape": [2], "datatype": "FP32", "data": [2, 5]}]}
            """, features);
        double[][] expected = [[1, 2, 3], [4, 5, 6]];
        Assert.Equal(expected, flat.Rows);
        Assert.Equal(expected, nested.Rows);
        Assert.Equal(expected, named.Rows);
    }

    private static InferenceInput Read(string json, string[] features) => InferenceInput.Read(Encoding.UTF8.GetBytes(json), features);

    [Fact]
    public async Task Job_store_reads_back_jobs_with_their_events_and_drops_expired_or_unreadable_files()
    {
        var dir = Path.Combine(_dir, "jobs");
        var running = new AntiNex.Gateway.Http.Api.TrainingJob("job-1", "web-a", "admin", "{\"label\": \"web-a\"}", "127.0.0.1");
        var failed = new AntiNex.Gateway.Http.Api.TrainingJob("job-2", "web-b", "admin", "{}", null);
        await using (var store = new AntiNex.Gateway.Http.Api.JobStore(dir, TimeSpan.FromDays(1)))
        {
            running.Changed = store.Save;
            failed.Changed = store.Save;
            running.On(new AntiNex.Models.TrainingStarted("web-a", "node-1", "job-1"));
            failed.Fail(new AntiNex.Gateway.Http.Api.JobError("bad-request", "epochs: must be positive"));
        } // disposing writes what is pending
        File.WriteAllText(Path.Combine(dir, "job-3.json"), "{not json");
        if (!OperatingSystem.IsWindows())
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(dir, "job-1.json")));

        await using (var store = new AntiNex.Gateway.Http.Api.JobStore(dir, TimeSpan.FromDays(1)))
        {
            var jobs = store.LoadAll().ToDictionary(j => j.Id, j => new AntiNex.Gateway.Http.Api.TrainingJob(j));
            Assert.Equal(["job-1", "job-2"], jobs.Keys.Order());
            Assert.False(File.Exists(Path.Combine(dir, "job-3.json")));
            Assert.True(File.Exists(Path.Combine(dir, "job-3.json.unreadable"))); // set aside, not lost
            Assert.Equal("training", jobs["job-1"].State);
            Assert.Equal("{\"label\": \"web-a\"}", jobs["job-1"].RequestJson);
            Assert.False(jobs["job-1"].Finished);
            Assert.Equal("failed", jobs["job-2"].State);
            Assert.Equal("bad-request", jobs["job-2"].Error?.Code);
            Assert.True(jobs["job-2"].Finished);
        }
        await using (var expired = new AntiNex.Gateway.Http.Api.JobStore(dir, TimeSpan.FromMilliseconds(1)))
        {
            // The finished job is past its time to live; the unfinished one stays (its deadline ends it, not the TTL).
            await Task.Delay(20);
            Assert.Equal("job-1", Assert.Single(expired.LoadAll()).Id);
            Assert.Equal(["job-1.json"], Directory.GetFiles(dir, "job-*.json").Select(Path.GetFileName));
        }
    }

    public void Dispose()
    {
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }
}
