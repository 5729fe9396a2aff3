// Redis credentials for every process that talks to Redis (nodes, the queue consumer): the user and a password read
// from a file or the environment, never from the command line (visible in ps). The password lives only in the
// connection options; what is printed or logged is the connection without it.
using StackExchange.Redis;

namespace AntiNex.Persistence.Redis;

public static class RedisCredentials
{
    /// <summary>Parses <paramref name="connection"/> and adds the user and password: the file first, else
    /// ANTINEX_REDIS_PASSWORD_FILE, else ANTINEX_REDIS_PASSWORD; the user else ANTINEX_REDIS_USER.</summary>
    /// <exception cref="ArgumentException">the file is missing, unreadable or empty, or the password has ',' or '='.</exception>
    public static ConfigurationOptions Apply(string connection, string? user = null, string? passwordFile = null)
    {
        var options = ConfigurationOptions.Parse(connection);
        passwordFile ??= Environment.GetEnvironmentVariable("ANTINEX_REDIS_PASSWORD_FILE") is { Length: > 0 } f ? f : null;
        var password = passwordFile is not null ? ReadFirstLine(passwordFile) : Environment.GetEnvironmentVariable("ANTINEX_REDIS_PASSWORD");
        if (!string.IsNullOrEmpty(password))
        {
            if (password.IndexOfAny([',', '=']) >= 0)
                throw new ArgumentException("Redis password: must not contain ',' or '=' (the connection string cannot carry them)");
            options.Password = password;
        }
        user ??= Environment.GetEnvironmentVariable("ANTINEX_REDIS_USER") is { Length: > 0 } u ? u : null;
        if (user is not null) options.User = user;
        return options;
    }

    /// <summary>The connection as it may be printed: endpoints and options, the password left out.</summary>
    public static string Printable(ConfigurationOptions options) => options.ToString(includePassword: false);

    private static string ReadFirstLine(string file)
    {
        if (!File.Exists(file)) throw new ArgumentException($"--redis-password-file {file}: file not found");
        try
        {
            var text = File.ReadAllText(file);
            var end = text.IndexOfAny(['\r', '\n']);
            var line = end < 0 ? text : text[..end];
            if (line.Length == 0) throw new ArgumentException($"--redis-password-file {file}: the first line is empty");
            return line;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new ArgumentException($"--redis-password-file {file}: cannot be read: {ex.Message}");
        }
    }
}
