using System.CommandLine;
using AntiNex.Gateway.Commands;

namespace AntiNex.Tests.Gateway;

/// <summary>`bench persistence` must coexist with another feature's `bench` verb (which has its own action and options).</summary>
public sealed class CommandMergeTests
{
    private static Command OtherBench(out Option<string> label)
    {
        label = new Option<string>("--label") { Required = true };
        var bench = new Command("bench", "predict load") { label };
        bench.SetAction(_ => 7);
        return bench;
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Bench_persistence_and_another_bench_verb_merge_in_either_order(bool persistenceFirst)
    {
        var root = new RootCommand();
        var other = OtherBench(out _);
        var commands = persistenceFirst ? new[] { PersistenceBenchCommand.Create(), other } : [other, PersistenceBenchCommand.Create()];
        foreach (var command in commands) CommandMerge.AddOrMerge(root, command);

        var bench = Assert.Single(root.Subcommands, c => c.Name == "bench");
        Assert.Same(other, bench);
        var persistence = root.Parse(["bench", "persistence", "--events", "100"]);
        Assert.Empty(persistence.Errors);
        Assert.Equal("persistence", persistence.CommandResult.Command.Name);
        var load = root.Parse(["bench", "--label", "x"]);
        Assert.Empty(load.Errors);
        Assert.Equal(7, load.Invoke());
    }

    [Fact]
    public void Two_actions_for_one_verb_fail_loudly()
    {
        var root = new RootCommand();
        CommandMerge.AddOrMerge(root, OtherBench(out _));
        Assert.Throws<InvalidOperationException>(() => CommandMerge.AddOrMerge(root, OtherBench(out _)));
    }
}
