using System.CommandLine;
using System.CommandLine.Parsing;

namespace AntiNex.Gateway.Commands;

/// <summary>
/// `interactive`: joins the cluster once and reads command lines from stdin (a terminal or a pipe). Each line is parsed
/// by the same command tree as the command line (`predict -f FILE --json`, `describe LABEL`, `bench cluster -l L`, ...)
/// and its cluster commands run on the session's connection; `help` lists the commands, `quit` ends the session.
/// </summary>
internal static class InteractiveCommand
{
    private const string Help = "any gateway command line (e.g. predict -f FILE, describe LABEL, models, status); help; quit";

    public static Command Create()
    {
        var common = new ClusterCommandOptions("30m");
        var command = new Command("interactive", "A console session on the cluster: one join, many command lines.");
        common.AddTo(command);
        command.SetAction((p, ct) => common.RunAsync(p, ct, (client, output) =>
            ClusterSession.RunWithAsync(client, () => ReadLinesAsync(client.System, output, ct))));
        return command;
    }

    private static async Task<int> ReadLinesAsync(Akka.Actor.ActorSystem system, Output output, CancellationToken ct)
    {
        var interactive = !Console.IsInputRedirected;
        Console.Error.WriteLine($"connected to the cluster as {Akka.Cluster.Cluster.Get(system).SelfAddress}; {Help}");
        var root = CommandCatalog.Root();
        var last = ExitCodes.Ok;
        while (!ct.IsCancellationRequested)
        {
            if (interactive) Console.Error.Write("antinex> ");
            var line = await Console.In.ReadLineAsync(ct);
            if (line is null) break;
            var tokens = CommandLineParser.SplitCommandLine(line).ToList();
            if (tokens.Count > 0 && tokens[0].StartsWith('#')) continue;
            // The splitter drops a quote never closed, and the line would then be refused for what it seems to lack instead.
            if (line.Count(c => c == '"') % 2 == 1)
            {
                output.Error("usage", "unterminated quote: a \" opens a value and is never closed");
                last = ExitCodes.BadInput;
                continue;
            }
            if (tokens.Count == 0) continue;
            switch (tokens[0].ToLowerInvariant())
            {
                case "quit" or "exit":
                    return ExitCodes.Ok;
                case "help" or "?":
                    tokens = ["--help"];
                    break;
                case "interactive":
                    output.Error("usage", "already in an interactive session");
                    last = ExitCodes.BadInput;
                    continue;
            }
            last = await RunLineAsync(root, tokens, output, ct);
        }
        return last;
    }

    private static async Task<int> RunLineAsync(RootCommand root, IReadOnlyList<string> tokens, Output output, CancellationToken ct)
    {
        var parse = root.Parse(tokens);
        if (parse.Errors.Count > 0)
        {
            var known = root.Subcommands.Any(c => c.Name == tokens[0] || c.Aliases.Contains(tokens[0]));
            var message = known ? string.Join("; ", parse.Errors.Select(e => e.Message)) : $"unknown command '{tokens[0]}'; {Help}";
            output.Error("usage", message);
            return ExitCodes.BadInput;
        }
        // One line's failure or Ctrl-C handling must not end the session: no process-wide termination handler.
        return await parse.InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null }, ct);
    }
}
