using System.CommandLine;
using AntiNex.Models;

namespace AntiNex.Gateway.Commands;

/// <summary>`describe LABEL`: version, metrics, feature layout and the node holding the model.</summary>
internal static class DescribeCommand
{
    public static Command Create()
    {
        var common = new ClusterCommandOptions("60s");
        var label = new Argument<string>("label") { Description = "Model label (case and surrounding spaces are ignored)" };
        var command = new Command("describe", "Describe one model: version, metrics, features, node.");
        command.Arguments.Add(label);
        common.AddTo(command);
        command.SetAction((p, ct) => common.RunAsync(p, ct, async (client, output) =>
        {
            var reply = await client.DescribeAsync(ModelIds.FromLabel(p.GetValue(label)!), common.TimeoutFrom(p));
            var code = output.Reply(reply);
            return reply is ModelDescription { Trained: false } ? ExitCodes.ModelFailed : code; // --json prints it, trained: false
        }));
        return command;
    }
}
