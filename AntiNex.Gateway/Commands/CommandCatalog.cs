using System.CommandLine;

namespace AntiNex.Gateway.Commands;

/// <summary>The gateway's one command tree. Each feature adds ONE line here and keeps its command in its own file;
/// subcommands are declared by their parent (e.g. <see cref="BenchCommand"/>).</summary>
internal static class CommandCatalog
{
    public const string Description = "AntiNex Cluster gateway console: train and predict AntiNex requests, locally or on the cluster.";

    public static RootCommand Root() => new(Description)
    {
        VersionCommand.Create(),
        ValidateCommand.Create(),
        TrainCommand.Create(),
        PredictCommand.Create(),
        DescribeCommand.Create(),
        ForgetCommand.Create(),
        CancelCommand.Create(),
        ModelsCommand.Create(),
        StatusCommand.Create(),
        BenchCommand.Create(),
        QueueCommand.Create(),
        InteractiveCommand.Create(),
        GenerateCommand.Create(),
        SearchCommand.Create(),
        ServeCommand.Create(),
    };
}
