using System.CommandLine;
using System.Text.RegularExpressions;
using AntiNex.Gateway.Commands;
using AntiNex.Node;
using AntiNex.Requests;
using AntiNex.Tests.Infrastructure;

namespace AntiNex.Tests.Deploy;

/// <summary>
/// The READMEs' commands are what a newcomer types first: every gateway and node command line they show (the top-level
/// README and each folder's) must name subcommands and options that exist, every variable the local cluster scripts
/// read must be in the top-level README, and its tables of commands and search-space scalers must be complete.
/// </summary>
public sealed partial class ReadmeCommandTests
{
    private static readonly string[] Readme = File.ReadAllLines(Path.Combine(Repo.Root, "README.md"));

    /// <summary>Every README of the repository (the top-level one and each folder's), as (path, lines).</summary>
    private static readonly (string Path, string[] Lines)[] Readmes = Directory
        .EnumerateFiles(Repo.Root, "README.md", new EnumerationOptions { RecurseSubdirectories = true, IgnoreInaccessible = true })
        .Where(f => !Path.GetRelativePath(Repo.Root, f).Split(Path.DirectorySeparatorChar)
            .Any(part => part.StartsWith('.') || part is "bin" or "obj" or "node_modules" or "TestResults"))
        .Order(StringComparer.Ordinal).Select(f => (Path.GetRelativePath(Repo.Root, f), File.ReadAllLines(f))).ToArray();

    [Fact]
    public void Every_gateway_command_in_the_readme_names_existing_subcommands_and_options()
    {
        var root = CommandCatalog.Root();
        var checkedLines = 0;
        var problems = new List<string>();
        foreach (var (line, tokens) in Commands(GatewayStart()))
        {
            checkedLines++;
            Command command = root;
            var parents = new List<Command> { root };
            var i = 0;
            for (; i < tokens.Count && command.Subcommands.FirstOrDefault(s => s.Name == tokens[i]) is { } sub; i++)
            {
                command = sub;
                parents.Add(sub);
            }
            if (command == root && tokens.Count > 0 && !tokens[0].StartsWith('-') && !IsPlaceholder(tokens[0]))
                problems.Add($"{line}: '{tokens[0]}' is not a gateway command");
            var known = command.Options.Concat(parents.SelectMany(p => p.Options.Where(o => o.Recursive)))
                .SelectMany(o => o.Aliases.Append(o.Name)).ToHashSet(StringComparer.Ordinal);
            foreach (var option in tokens.Skip(i).Where(IsOption).Select(t => t.Split('=')[0]))
                if (!known.Contains(option))
                    problems.Add($"{line}: '{string.Join(' ', parents.Skip(1).Select(p => p.Name))}' has no option '{option}'");
        }
        Assert.True(Readmes.Length >= 5, $"only {Readmes.Length} READMEs found under {Repo.Root}");
        Assert.True(checkedLines >= 30, $"only {checkedLines} gateway command lines found: the READMEs' form changed");
        Assert.True(problems.Count == 0, string.Join('\n', problems));
    }

    [Fact]
    public void Every_node_command_in_the_readme_uses_options_the_node_knows_and_its_help_lists_them_all()
    {
        var problems = new List<string>();
        var checkedLines = 0;
        foreach (var (line, tokens) in Commands(NodeStart()))
        {
            checkedLines++;
            foreach (var option in tokens.Where(IsOption).Select(t => t.Split('=')[0]))
                if (!NodeSettings.OptionNames.Contains(option) && !option.Contains(':') && option is not ("--help" or "-h"))
                    problems.Add($"{line}: antinex-node has no option '{option}'");
        }
        foreach (var option in NodeSettings.OptionNames)
            if (!NodeSettings.Usage.Contains(option + " ", StringComparison.Ordinal))
                problems.Add($"antinex-node --help does not list '{option}'");
        Assert.True(checkedLines >= 5, $"only {checkedLines} node command lines found: the README's form changed");
        Assert.True(problems.Count == 0, string.Join('\n', problems));
    }

    [Fact]
    public void Every_variable_the_local_cluster_scripts_read_is_in_the_readme()
    {
        var text = string.Join('\n', Readme);
        var missing = new[] { "cluster.sh", "demo.sh" }
            .SelectMany(s => ScriptVariable().Matches(File.ReadAllText(Path.Combine(Repo.Root, "deploy", s))))
            .Select(m => m.Groups[1].Value).Distinct()
            .Where(v => !Regex.IsMatch(text, $"(?<![A-Z0-9_]){Regex.Escape(v)}(?![A-Z0-9_])")).ToList();
        Assert.True(missing.Count == 0, "read by deploy/cluster.sh or deploy/demo.sh but not in the README: " + string.Join(", ", missing));
    }

    [Fact]
    public void The_console_table_names_every_gateway_command_and_benchmark()
    {
        var start = Array.FindIndex(Readme, l => l.StartsWith("### The gateway console", StringComparison.Ordinal));
        Assert.True(start >= 0, "the README has no '### The gateway console' section");
        // The first cell of each row of the section's table: `describe LABEL`, `forget LABEL`, ...
        var named = Readme.Skip(start).SkipWhile(l => !l.StartsWith('|')).TakeWhile(l => l.StartsWith('|'))
            .SelectMany(l => CodeSpan().Matches(l.Split('|')[1])).Select(m => m.Groups[1].Value).ToList();
        var missing = CommandCatalog.Root().Subcommands
            .SelectMany(c => c.Name == "bench" ? c.Subcommands.Select(b => $"bench {b.Name}") : new[] { c.Name })
            .Where(name => !named.Any(n => n == name || n.StartsWith(name + " ", StringComparison.Ordinal))).ToList();
        Assert.True(missing.Count == 0, "the README's console table lacks: " + string.Join(", ", missing));
    }

    [Fact]
    public void The_search_space_table_names_the_scalers_a_space_file_takes()
    {
        var row = Readme.Single(l => l.StartsWith("| `scaler` | any of", StringComparison.Ordinal));
        var listed = CodeSpan().Matches(row.Split('|')[2]).Select(m => m.Groups[1].Value).Order(StringComparer.Ordinal);
        Assert.Equal(QualityOptions.Scalers.Order(StringComparer.Ordinal), listed);
    }

    /// <summary>Each command line that <paramref name="start"/> finds in any README, as ("file line N", tokens after the
    /// program): cut at the end of its code span, a comment, a pipe or a redirection.</summary>
    private static IEnumerable<(string Line, List<string> Tokens)> Commands(Regex start)
    {
        foreach (var (path, lines) in Readmes)
            for (var n = 0; n < lines.Length; n++)
                foreach (Match m in start.Matches(lines[n]))
                {
                    var rest = lines[n][(m.Index + m.Length)..];
                    var end = rest.IndexOfAny(['`', '#', '|', '>', '&', ';', ')']);
                    var command = (end < 0 ? rest : rest[..end]).Trim();
                    yield return ($"{path} line {n + 1}", command.Split(' ', StringSplitOptions.RemoveEmptyEntries).ToList());
                }
    }

    /// <summary>A word the reader replaces, e.g. ARGS or COMMAND.</summary>
    private static bool IsPlaceholder(string token) => token.All(c => char.IsUpper(c) || c == '_');

    /// <summary>An option token: "-x" or "--name", not a number, a lone dash or a shell variable.</summary>
    private static bool IsOption(string token) => token.Length > 1 && token[0] == '-' && !char.IsDigit(token[1]);

    [GeneratedRegex(@"(?:(?<![/\w-])antinex-gateway(?:\.dll)?|\$GW|cluster\.sh gateway)(?= )")]
    private static partial Regex GatewayStart();

    [GeneratedRegex(@"(?:\$NODE|(?<![/\w-])antinex-node(?:\.dll)?)(?= )")]
    private static partial Regex NodeStart();

    [GeneratedRegex("`([^`]+)`")]
    private static partial Regex CodeSpan();

    [GeneratedRegex(@"\$\{(ANTINEX_[A-Z0-9_]+)")]
    private static partial Regex ScriptVariable();
}
