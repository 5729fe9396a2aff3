using System.CommandLine;
using AntiNex.Models;
using Spectre.Console;

namespace AntiNex.Gateway.Commands;

/// <summary>`cancel LABEL`: cancels the label's running and queued trainings (their callers get `cancelled`; the
/// serving version is untouched). Exit 0 when something was cancelled, 1 when the label had nothing to cancel.</summary>
internal static class CancelCommand
{
    public static Command Create()
    {
        var common = new ClusterCommandOptions("60s");
        var label = new Argument<string>("label") { Description = "Model label" };
        var command = new Command("cancel", "Cancel the running and queued trainings of a model.");
        command.Arguments.Add(label);
        common.AddTo(command);
        command.SetAction((p, ct) => common.RunAsync(p, ct, async (client, output) =>
        {
            var reply = await client.CancelAsync(ModelIds.FromLabel(p.GetValue(label)!), common.TimeoutFrom(p));
            if (reply is not TrainingCancelled cancelled) return output.Reply(reply);
            if (p.GetValue(common.Json)) output.Reply(cancelled);
            else AnsiConsole.MarkupLineInterpolated($"{cancelled.Label}: {cancelled.Detail}");
            return cancelled.Any ? ExitCodes.Ok : ExitCodes.ModelFailed;
        }));
        return command;
    }
}
