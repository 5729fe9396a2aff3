using System.CommandLine;

namespace AntiNex.Gateway.Commands;

/// <summary>`models`: every stored model with version, test score and the node holding it.</summary>
internal static class ModelsCommand
{
    public static Command Create()
    {
        var common = new ClusterCommandOptions("60s");
        var command = new Command("models", "List every model: version, test accuracy, node.");
        common.AddTo(command);
        command.SetAction((p, ct) => common.RunAsync(p, ct, async (client, output) =>
            output.Reply(await client.ModelsAsync(common.TimeoutFrom(p)))));
        return command;
    }
}
