using System.Globalization;
using Spectre.Console;

namespace AntiNex.Gateway.Commands;

/// <summary>
/// The width tables and messages are laid out for. $COLUMNS when set (as a shell sets it for a terminal); else a terminal
/// gives its own, and piped or redirected output (a log, a pager, a script's grep), which would otherwise be cut to 80
/// columns and fold labels and long error lines, gets a width that keeps every table's row on one line.
/// </summary>
internal static class ConsoleWidth
{
    /// <summary>Width for redirected output when $COLUMNS is unset.</summary>
    public const int Redirected = 240;

    /// <summary>A console on stderr (progress, errors) with the same width rule as stdout.</summary>
    public static IAnsiConsole Stderr() => Fit(AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) }),
        Console.IsErrorRedirected);

    /// <summary>Sets stdout's console width once, at start.</summary>
    public static void FitStdout() => Fit(AnsiConsole.Console, Console.IsOutputRedirected);

    private static IAnsiConsole Fit(IAnsiConsole console, bool redirected)
    {
        if (For(redirected, Environment.GetEnvironmentVariable("COLUMNS")) is { } width) console.Profile.Width = width;
        return console;
    }

    /// <summary>$COLUMNS when it is a width, else <see cref="Redirected"/> for redirected output, else null (the terminal's own).</summary>
    internal static int? For(bool redirected, string? columns)
        => int.TryParse(columns, NumberStyles.None, CultureInfo.InvariantCulture, out var c) && c is >= 20 and <= 10_000 ? c
            : redirected ? Redirected : null;
}
