namespace AntiNex.Gateway.Commands;

/// <summary>Bad usage or a bad input file, caught before anything is sent; the message names the option or field.</summary>
internal sealed class UsageException(string message) : Exception(message);
