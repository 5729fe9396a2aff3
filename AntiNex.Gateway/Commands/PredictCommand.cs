using System.CommandLine;

namespace AntiNex.Gateway.Commands;

/// <summary>`predict -f FILE`: predicts with the label's model (training it first when never trained and the
/// request carries a dataset, as the original AntiNex did).</summary>
internal static class PredictCommand
{
    public static Command Create()
    {
        var common = new ClusterCommandOptions("10m");
        var file = new Option<string>("--file", "-f") { Description = "AntiNex predict request (JSON)", Required = true };
        var command = new Command("predict", "Predict with a model on the cluster from an AntiNex request file.");
        command.Options.Add(file);
        common.AddTo(command);
        command.SetAction((p, ct) =>
        {
            RequestFile request;
            try { request = RequestFile.Read(p.GetValue(file)!); }
            catch (UsageException ex) { new Output(p.GetValue(common.Json)).Error("bad-request", ex.Message); return Task.FromResult(ExitCodes.BadInput); }
            return common.RunAsync(p, ct, async (client, output) =>
                output.Reply(await client.PredictAsync(request.ModelId, request.Json, common.TimeoutFrom(p), output.Progress, ct: ct)));
        });
        return command;
    }
}
