using System.CommandLine;

namespace AntiNex.Gateway.Commands;

/// <summary>`status`: members, roles, state, and shards/entities per node.</summary>
internal static class StatusCommand
{
    public static Command Create()
    {
        var common = new ClusterCommandOptions("20s");
        var command = new Command("status", "Cluster members, their roles and state, shards and entities per node.");
        common.AddTo(command);
        command.SetAction((p, ct) => common.RunAsync(p, ct, async (client, output) =>
            output.Reply(await client.StatusAsync(common.TimeoutFrom(p)))));
        return command;
    }
}
