using AntiNex.Node;
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
}
