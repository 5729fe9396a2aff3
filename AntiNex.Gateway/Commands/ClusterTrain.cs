using System.CommandLine;

namespace AntiNex.Gateway.Commands;

/// <summary>`train -f FILE` without --local: trains the request's label on the cluster, with live progress.
/// Attached to the engine's train command, which owns -f/--json/--seed (--data-root is read by --local only).</summary>
internal static class ClusterTrain
{
    public static Func<ParseResult, CancellationToken, Task<int>> Attach(Command command, Option<FileInfo> file, Option<bool> json, Option<int?> seed)
    {
        var common = new ClusterCommandOptions("30m", json);
        common.AddTo(command);
        return (p, ct) =>
        {
            RequestFile request;
            try
            {
                request = RequestFile.Read(p.GetValue(file)!.FullName);
                if (p.GetValue(seed) is { } s) request = request.WithSeed(s);
                request = request.Checked(); // what validate refuses is refused before anything is sent
            }
            catch (UsageException ex) { new Output(p.GetValue(json)).Error("bad-request", ex.Message); return Task.FromResult(ExitCodes.BadInput); }
            return common.RunAsync(p, ct, async (client, output) =>
                output.Reply(await client.TrainAsync(request.ModelId, request.Json, common.TimeoutFrom(p), output.Progress, ct: ct)));
        };
    }
}
