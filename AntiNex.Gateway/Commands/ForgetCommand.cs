using System.CommandLine;
using AntiNex.Models;

namespace AntiNex.Gateway.Commands;

/// <summary>`forget LABEL`: deletes the model, its events and its snapshots.</summary>
internal static class ForgetCommand
{
    public static Command Create()
    {
        var common = new ClusterCommandOptions("60s");
        var label = new Argument<string>("label") { Description = "Model label" };
        var command = new Command("forget", "Delete a model and everything stored for it.");
        command.Arguments.Add(label);
        common.AddTo(command);
        command.SetAction((p, ct) => common.RunAsync(p, ct, async (client, output) =>
            output.Reply(await client.ForgetAsync(ModelIds.FromLabel(p.GetValue(label)!), common.TimeoutFrom(p)))));
        return command;
    }
}
