using System.CommandLine;

namespace AntiNex.Gateway.Commands;

/// <summary>`train -f FILE`: trains the request's label on the cluster, showing progress live.</summary>
internal static class TrainCommand
{
    public static Command Create()
    {
        var common = new ClusterCommandOptions("30m");
        var file = new Option<string>("--file", "-f") { Description = "AntiNex train request (JSON)", Required = true };
        var command = new Command("train", "Train (or retrain) a model on the cluster from an AntiNex request file.");
        command.Options.Add(file);
        common.AddTo(command);
        command.SetAction((p, ct) =>
        {
            RequestFile request;
            try { request = RequestFile.Read(p.GetValue(file)!); }
            catch (UsageException ex) { new Output(p.GetValue(common.Json)).Error("bad-request", ex.Message); return Task.FromResult(ExitCodes.BadInput); }
            return common.RunAsync(p, ct, async (client, output) =>
                output.Reply(await client.TrainAsync(request.ModelId, request.Json, common.TimeoutFrom(p), output.Progress)));
        });
        return command;
    }
}
