using System.CommandLine;
using AntiNex.Gateway.Cluster;
using AntiNex.Models;

namespace AntiNex.Gateway.Commands;

/// <summary>`interactive`: joins the cluster once and reads commands from stdin (a terminal or a pipe):
/// train FILE | predict FILE | describe LABEL | forget LABEL | models | status | help | quit.</summary>
internal static class InteractiveCommand
{
    private const string Help = "commands: train FILE | predict FILE | describe LABEL | forget LABEL | models | status | help | quit";

    public static Command Create()
    {
        var common = new ClusterCommandOptions("30m");
        var command = new Command("interactive", "A console session on the cluster: one join, many commands.");
        common.AddTo(command);
        command.SetAction((p, ct) => common.RunAsync(p, ct, async (client, output) =>
        {
            var timeout = common.TimeoutFrom(p);
            var interactive = !Console.IsInputRedirected;
            Console.Error.WriteLine($"connected to the cluster as {Akka.Cluster.Cluster.Get(client.System).SelfAddress}; {Help}");
            var last = ExitCodes.Ok;
            while (!ct.IsCancellationRequested)
            {
                if (interactive) Console.Error.Write("antinex> ");
                var line = await Console.In.ReadLineAsync(ct);
                if (line is null) break;
                var words = line.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
                if (words.Length == 0 || words[0].StartsWith('#')) continue;
                var verb = words[0].ToLowerInvariant();
                var argument = string.Join(' ', words.Skip(1).Where(w => w != "-f" && w != "--file"));
                try
                {
                    last = verb switch
                    {
                        "quit" or "exit" => -1,
                        "help" or "?" => Print(Help),
                        "train" => await WithFile(argument, r => client.TrainAsync(r.ModelId, r.Json, timeout, output.Progress), output),
                        "predict" => await WithFile(argument, r => client.PredictAsync(r.ModelId, r.Json, timeout, output.Progress), output),
                        "describe" => output.Reply(await client.DescribeAsync(ModelIds.FromLabel(Required(argument, "describe LABEL")), timeout)),
                        "forget" => output.Reply(await client.ForgetAsync(ModelIds.FromLabel(Required(argument, "forget LABEL")), timeout)),
                        "models" => output.Reply(await client.ModelsAsync(timeout)),
                        "status" => output.Reply(await client.StatusAsync(TimeSpan.FromSeconds(20))),
                        _ => throw new UsageException($"unknown command '{verb}'; {Help}"),
                    };
                }
                catch (UsageException ex) { output.Error("usage", ex.Message); last = ExitCodes.BadInput; }
                catch (Exception ex) when (ex is TimeoutException or Akka.Actor.AskTimeoutException) { output.Error("timeout", ex.Message); last = ExitCodes.Timeout; }
                if (last == -1) return ExitCodes.Ok;
            }
            return last;
        }));
        return command;
    }

    private static int Print(string text)
    {
        Console.WriteLine(text);
        return ExitCodes.Ok;
    }

    private static string Required(string value, string usage)
        => string.IsNullOrWhiteSpace(value) ? throw new UsageException($"usage: {usage}") : value;

    private static async Task<int> WithFile(string path, Func<RequestFile, Task<object>> send, Output output)
        => output.Reply(await send(RequestFile.Read(Required(path, "train|predict FILE"))));
}
