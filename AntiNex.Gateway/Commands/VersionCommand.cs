using System.CommandLine;

namespace AntiNex.Gateway.Commands;

/// <summary>`version`: the gateway's assembly version.</summary>
internal static class VersionCommand
{
    public static Command Create()
    {
        var command = new Command("version", "Print the gateway's version.");
        command.SetAction(_ =>
        {
            Console.WriteLine(typeof(VersionCommand).Assembly.GetName().Version);
            return ExitCodes.Ok;
        });
        return command;
    }
}
