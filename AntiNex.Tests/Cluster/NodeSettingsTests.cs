using AntiNex.Node;
using AntiNex.Tests.Infrastructure;
using Microsoft.Extensions.Configuration;

namespace AntiNex.Tests.Cluster;

public sealed class NodeSettingsTests
{
    private static NodeSettings Parse(IDictionary<string, string?>? env, params string[] args)
    {
        var config = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["Roles:0"] = "model", ["Port"] = "4053" }) // appsettings
            .AddInMemoryCollection(env ?? new Dictionary<string, string?>())
            .AddInMemoryCollection(NodeSettings.ParseArgs(args))
            .Build();
        return NodeSettings.From(config);
    }

    [Fact]
    public void Command_line_overrides_environment_and_lists_repeat_or_split_on_commas()
    {
        var s = Parse(new Dictionary<string, string?> { ["Port"] = "5000", ["Redis"] = "env:6379" },
            "--port", "4100", "--seed-node", "akka.tcp://antinex@a:1", "--seed-node=akka.tcp://antinex@b:2,akka.tcp://antinex@c:3",
            "--data-root", "/d1", "--data-root", "/d2", "--roles", "model,gateway", "--passivate-after", "90s",
            "--max-loaded-models", "7", "--training-concurrency", "2", "--log-json", "--Telemetry:PrometheusPort", "9464");
        Assert.Equal(4100, s.Port);
        Assert.Equal("env:6379", s.Redis);
        Assert.Equal(["akka.tcp://antinex@a:1", "akka.tcp://antinex@b:2", "akka.tcp://antinex@c:3"], s.Seeds);
        Assert.Equal(["/d1", "/d2"], s.DataRoots);
        Assert.Equal(["model", "gateway"], s.Roles);
        Assert.Equal(TimeSpan.FromSeconds(90), s.PassivateAfter);
        Assert.Equal(7, s.MaxLoadedModels);
        Assert.Equal(2, s.TrainingConcurrency);
        Assert.True(s.LogJson);
    }

    [Fact]
    public void Environment_lists_may_be_comma_separated_and_defaults_apply()
    {
        var s = Parse(new Dictionary<string, string?> { ["Seeds"] = "akka.tcp://antinex@x:1, akka.tcp://antinex@y:2" });
        Assert.Equal(["akka.tcp://antinex@x:1", "akka.tcp://antinex@y:2"], s.Seeds);
        Assert.Equal(["model"], s.Roles);
        Assert.Equal(TimeSpan.FromMinutes(10), s.PassivateAfter);
        Assert.Null(s.Redis);
    }

    [Theory]
    [InlineData("--bogus", "1", "unknown option '--bogus'")]
    [InlineData("--port", "70000", "Port: '70000' is not an integer")]
    [InlineData("--passivate-after", "soon", "PassivateAfter: 'soon' is not a duration")]
    [InlineData("--training-concurrency", "0", "TrainingConcurrency")]
    public void Bad_settings_name_the_setting(string option, string value, string message)
    {
        var ex = Assert.Throws<ArgumentException>(() => Parse(null, option, value));
        Assert.Contains(message, ex.Message);
    }

    [Fact]
    public void A_list_comes_from_the_one_source_that_sets_it_last_as_any_other_setting_does()
    {
        // The image's ANTINEX_DataRoots=/data and a --data-root on the command line: only the command line's root.
        var s = Parse(new Dictionary<string, string?> { ["DataRoots"] = "/data", ["Roles"] = "gateway", ["Seeds:0"] = "akka.tcp://antinex@env:1" },
            "--data-root", "/mnt/x", "--seed-node", "akka.tcp://antinex@arg:2");
        Assert.Equal(["/mnt/x"], s.DataRoots);
        Assert.Equal(["akka.tcp://antinex@arg:2"], s.Seeds);
        Assert.Equal(["gateway"], s.Roles); // the environment's, not appsettings' model added to it
        Assert.Equal(["model", "gateway"], Parse(null, "--roles", "Model,GATEWAY").Roles);
    }

    [Fact]
    public void A_blank_host_name_is_unset_and_binds_loopback_not_every_interface()
    {
        Assert.Equal("127.0.0.1", Parse(new Dictionary<string, string?> { ["Hostname"] = "" }).Hostname);
        Assert.Equal("127.0.0.1", Parse(new Dictionary<string, string?> { ["Hostname"] = "  " }).Hostname);
    }

    [Theory]
    [InlineData("--roles", "modle", "Roles: 'modle' is not a role")]
    [InlineData("--log-level", "Warn", "LogLevel: 'Warn' is not a level")]
    [InlineData("--log-level", "7", "LogLevel: '7' is not a level")]
    [InlineData("--seed-node", "akka.tcp://AntiNex@10.0.0.1:4053", "Seeds: 'akka.tcp://AntiNex@10.0.0.1:4053' is not a seed node address")]
    [InlineData("--down-removal-margin", "00:00:00", "DownRemovalMargin: '00:00:00' must be longer than zero")]
    [InlineData("--heartbeat-interval", "-00:00:01", "HeartbeatInterval: '-00:00:01' must be longer than zero")]
    public void A_setting_that_would_start_a_member_doing_nothing_or_worse_is_refused_naming_it(string option, string value, string message)
        => Assert.Contains(message, Assert.Throws<ArgumentException>(() => Parse(null, option, value)).Message);

    [Fact]
    public void The_log_level_help_lists_every_level_the_option_accepts()
    {
        var help = NodeSettings.Usage.Split('\n').Single(l => l.TrimStart().StartsWith("--log-level", StringComparison.Ordinal));
        foreach (var level in Enum.GetNames<Microsoft.Extensions.Logging.LogLevel>())
        {
            Assert.Equal(level, Parse(null, "--log-level", level.ToLowerInvariant()).LogLevel, ignoreCase: true);
            Assert.Contains(level, help);
        }
    }

    [Fact]
    public void Flags_read_as_operators_write_them_and_anything_else_names_the_setting()
    {
        Assert.True(Parse(new Dictionary<string, string?> { ["LogJson"] = "1", ["Insecure"] = "Yes" }).LogJson);
        Assert.True(Parse(new Dictionary<string, string?> { ["Insecure"] = "on" }).Insecure);
        Assert.False(Parse(new Dictionary<string, string?> { ["LogJson"] = "0" }).LogJson);
        Assert.Contains("LogJson: 'ture' is not true or false",
            Assert.Throws<ArgumentException>(() => Parse(new Dictionary<string, string?> { ["LogJson"] = "ture" })).Message);
    }

    [Fact]
    public async Task A_telemetry_setting_that_does_not_read_is_refused_naming_it()
    {
        var (code, err) = await RunNodeAsync([], "--insecure", "--Telemetry:PrometheusPort", "abc");
        Assert.True(code == 2, $"exit {code}: {err}");
        Assert.Contains("antinex-node: Telemetry:", err);
        Assert.DoesNotContain("Unhandled exception", err);
    }

    [Fact]
    public void A_password_written_with_spaces_around_its_equals_sign_is_refused_on_the_command_line_too()
        => Assert.Throws<ArgumentException>(() => NodeSettings.ParseArgs(["--redis", "redis:6379,password = hunter2"]));

    [Fact]
    public async Task A_port_another_process_holds_stops_the_node_with_exit_code_3_and_one_line()
    {
        using var holder = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        holder.Start();
        var port = ((System.Net.IPEndPoint)holder.LocalEndpoint).Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var (code, err) = await RunNodeAsync([], "--insecure", "--port", port);
        Assert.True(code == 3, $"exit {code}: {err}");
        Assert.Contains("antinex-node: could not start: Address already in use", err);
        Assert.DoesNotContain("Unhandled exception", err);
    }

    private static async Task<(int Code, string Stderr)> RunNodeAsync(Dictionary<string, string> environment, params string[] args)
    {
        var info = new System.Diagnostics.ProcessStartInfo("dotnet")
        {
            RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false,
        };
        foreach (var (name, value) in environment) info.Environment[name] = value;
        info.ArgumentList.Add(Repo.Dll("AntiNex.Node", "antinex-node"));
        foreach (var a in args) info.ArgumentList.Add(a);
        using var process = System.Diagnostics.Process.Start(info)!;
        var stderr = process.StandardError.ReadToEndAsync();
        _ = process.StandardOutput.ReadToEndAsync();
        try { await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60)); }
        finally { if (!process.HasExited) process.Kill(entireProcessTree: true); }
        return (process.ExitCode, await stderr);
    }

    [Fact]
    public async Task Only_ANTINEX_variables_are_settings_not_HOSTNAME_or_PORT_that_every_container_sets()
    {
        // PORT and ROLES unprefixed would be read as the Port and Roles settings and refused; the start instead stops at
        // the first setting it does read, the missing certificate.
        var (code, err) = await RunNodeAsync(new() { ["PORT"] = "not-a-port", ["ROLES"] = "bogus", ["HOSTNAME"] = "" },
            "--tls-certificate", "/nonexistent/node.p12", "--tls-password-file", "/nonexistent/node.password", "--tls-ca", "/nonexistent/ca.crt");
        Assert.True(code == 2, $"exit {code}: {err}");
        Assert.Contains("/nonexistent/", err);
        Assert.DoesNotContain("Port:", err);
        Assert.DoesNotContain("Roles:", err);
    }

    [Fact]
    public void Tls_and_redis_credentials_come_from_files_and_a_password_on_the_command_line_is_refused()
    {
        var s = Parse(new Dictionary<string, string?> { ["TlsCa"] = "/etc/antinex/ca.crt" }, // appsettings / ANTINEX_TlsCa
            "--tls-certificate", "/etc/antinex/node.p12", "--tls-password-file", "/etc/antinex/node.password",
            "--redis", "redis:6379", "--redis-user", "antinex", "--redis-password-file", "/etc/antinex/redis.password");
        Assert.Equal("/etc/antinex/node.p12", s.Tls.CertificatePath);
        Assert.Equal("/etc/antinex/node.password", s.Tls.PasswordFile);
        Assert.Equal("/etc/antinex/ca.crt", s.Tls.CaPath);
        Assert.False(s.Tls.Insecure);
        Assert.Equal("antinex", s.RedisUser);
        Assert.Equal("/etc/antinex/redis.password", s.RedisPasswordFile);
        Assert.True(Parse(null, "--insecure").Tls.Insecure);
        // "1" is on for TLS as it is for model signing: insecure is one switch, never half of one.
        var one = Parse(new Dictionary<string, string?> { ["Insecure"] = "1" });
        Assert.True(one.Insecure);
        Assert.True(one.Tls.Insecure);
        Assert.True(AntiNex.Cluster.Security.ClusterTlsSettings.From(key => key == "Insecure" ? "yes" : null).Insecure);

        var refused = Assert.Throws<ArgumentException>(() => NodeSettings.ParseArgs(["--redis", "redis:6379,password=hunter2"]));
        Assert.Contains("visible to every user (ps)", refused.Message);
        Assert.DoesNotContain("hunter2", refused.Message);
        // The environment may carry one (it is not shown by ps).
        Assert.Equal("redis:6379,password=x", Parse(new Dictionary<string, string?> { ["Redis"] = "redis:6379,password=x" }).Redis);
    }
}
