using System.CommandLine;

namespace AntiNex.Gateway.Commands;

/// <summary>Every top-level command. Each feature adds ONE line here and keeps its command in its own file.</summary>
internal static class CommandCatalog
{
    public static IEnumerable<Command> All()
    {
        yield return VersionCommand.Create();
        yield return ValidateCommand.Create();
        yield return TrainCommand.Create();
        yield return PredictCommand.Create();
        yield return DescribeCommand.Create();
        yield return ForgetCommand.Create();
        yield return ModelsCommand.Create();
        yield return StatusCommand.Create();
        yield return BenchCommand.Create();
        yield return QueueCommand.Create();
        yield return InteractiveCommand.Create();
        yield return GenerateCommand.Create();
        yield return BenchEngineCommand.Create();
        yield return PersistenceBenchCommand.Create();
        yield return SearchCommand.Create();
        yield return ServeCommand.Create();
    }
}

internal static class VersionCommand
{
    public static Command Create()
    {
        var command = new Command("version", "Print the gateway's version.");
        command.SetAction(_ =>
        {
            Console.WriteLine(typeof(VersionCommand).Assembly.GetName().Version);
            return 0;
        });
        return command;
    }
}
