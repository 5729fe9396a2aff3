using System.CommandLine;
using AntiNex.Gateway.Commands;

namespace AntiNex.Tests.Gateway;

/// <summary>The gateway's one static command tree: names unique per level, every command described, every cluster
/// command reachable through <c>--seed-node</c>, and <c>--seed</c> only ever the request's random seed.</summary>
public sealed class CommandTreeTests
{
    private static readonly RootCommand Root = CommandCatalog.Root();

    /// <summary>Commands that join the cluster. A new cluster command is recognised by its cluster options anyway.</summary>
    private static readonly string[] ClusterCommands =
        ["train", "predict", "describe", "forget", "models", "status", "queue", "interactive", "search", "bench cluster"];

    private static IEnumerable<(string Path, Command Command)> Walk(Command command, string path = "")
    {
        foreach (var sub in command.Subcommands)
        {
            var subPath = path.Length == 0 ? sub.Name : $"{path} {sub.Name}";
            yield return (subPath, sub);
            foreach (var nested in Walk(sub, subPath)) yield return nested;
        }
    }

    private static IEnumerable<string> Names(Symbol symbol) => symbol switch
    {
        Command c => c.Aliases.Prepend(c.Name),
        Option o => o.Aliases.Prepend(o.Name),
        _ => [symbol.Name],
    };

    [Fact]
    public void Every_name_is_unique_per_level_and_every_command_has_a_description()
    {
        foreach (var (path, command) in Walk(Root).Prepend(("(root)", Root)))
        {
            Assert.False(string.IsNullOrWhiteSpace(command.Description), $"'{path}' has no description");
            var subcommandNames = command.Subcommands.SelectMany(Names).ToList();
            Assert.True(subcommandNames.Count == subcommandNames.Distinct().Count(),
                $"'{path}' declares a subcommand name twice: {string.Join(", ", subcommandNames)}");
            var optionNames = command.Options.SelectMany(Names).ToList();
            Assert.True(optionNames.Count == optionNames.Distinct().Count(), $"'{path}' declares an option name twice: {string.Join(", ", optionNames)}");
            Assert.True(command.Action is not null || command.Subcommands.Count > 0, $"'{path}' does nothing");
        }
    }

    [Fact]
    public void Every_cluster_command_takes_seed_node_and_no_command_takes_seed_nodes_as_seed()
    {
        var all = Walk(Root).ToDictionary(c => c.Path, c => c.Command);
        foreach (var path in ClusterCommands)
            Assert.True(all.TryGetValue(path, out var command) && HasOption(command, "--seed-node"), $"'{path}' has no --seed-node");
        foreach (var (path, command) in all)
        {
            var joins = HasOption(command, "--hostname") || HasOption(command, "--seed-node");
            if (joins)
                foreach (var name in new[] { "--seed-node", "--timeout", "--json", "--hostname", "--port", "--verbose", "--insecure" })
                    Assert.True(HasOption(command, name), $"cluster command '{path}' lacks {name}");
            if (command.Options.FirstOrDefault(o => o.Name == "--seed") is { } seed)
                Assert.False(seed.ValueType == typeof(string[]), $"'{path}': --seed is a random seed, seed nodes are --seed-node");
            if (joins && path != "train") // train reads --data-root only with --local
                Assert.False(HasOption(command, "--data-root"), $"cluster command '{path}' offers --data-root, which it never reads");
        }
    }

    [Theory]
    [InlineData("bench cluster -l a,b -c 2 -d 1s --seed-node akka.tcp://antinex@127.0.0.1:1", "cluster")]
    [InlineData("bench engine --train-rows 100", "engine")]
    [InlineData("bench persistence --events 100", "persistence")]
    [InlineData("train -f x.json --seed 7 --seed-node akka.tcp://antinex@h:1 --seed-node akka.tcp://antinex@h:2", "train")]
    [InlineData("search -f x.json --trials 3 --seed 5 --seed-node akka.tcp://antinex@h:1", "search")]
    public void Command_lines_reach_their_command(string line, string command)
    {
        var parse = Root.Parse(line);
        Assert.Empty(parse.Errors);
        Assert.Equal(command, parse.CommandResult.Command.Name);
    }

    [Theory]
    [InlineData("predict -f x.json --seed akka.tcp://antinex@h:1")]
    [InlineData("models --data-root /tmp")]
    [InlineData("bench engine --hostname 0.0.0.0")]
    [InlineData("bench -l a")]
    public void Retired_spellings_are_refused(string line) => Assert.NotEmpty(Root.Parse(line).Errors);

    private static bool HasOption(Command command, string name) => command.Options.Any(o => Names(o).Contains(name));
}
