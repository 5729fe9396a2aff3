namespace AntiNex.Gateway.Commands;

/// <summary>The gateway's exit codes, the same for every command (README "Exit codes").</summary>
internal static class ExitCodes
{
    /// <summary>Done.</summary>
    public const int Ok = 0;

    /// <summary>The model refused or failed the request (ModelFailed), or a benchmark saw errors.</summary>
    public const int ModelFailed = 1;

    /// <summary>Bad usage or a bad input file: nothing was sent.</summary>
    public const int BadInput = 2;

    /// <summary>No reply in time.</summary>
    public const int Timeout = 3;

    /// <summary>The cluster could not be reached.</summary>
    public const int Unreachable = 4;

    /// <summary>Stopped by Ctrl-C or SIGTERM (128 + SIGINT, as shells report it). A stop that outlasts System.CommandLine's
    /// termination timeout (2 s) ends the process without waiting, with 130 for SIGINT and 143 for SIGTERM.</summary>
    public const int Cancelled = 130;
}
