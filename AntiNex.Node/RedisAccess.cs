// The node's Redis credentials: the connection string from --redis / ANTINEX_Redis plus a password read from a file
// (--redis-password-file, ANTINEX_REDIS_PASSWORD_FILE) or ANTINEX_REDIS_PASSWORD. The password is added to the
// options in memory only; logs show the connection without it.
using StackExchange.Redis;

namespace AntiNex.Node;

internal sealed class RedisAccess
{
    private RedisAccess(ConfigurationOptions options) => Options = options;

    public ConfigurationOptions Options { get; }

    /// <summary>The StackExchange.Redis string with the credentials, for the persistence plugin (kept in memory).</summary>
    public string ConnectionString => Options.ToString(includePassword: true);

    /// <summary>What logs may show: endpoints and options, never the password.</summary>
    public string Safe => Options.ToString(includePassword: false);

    public static RedisAccess From(NodeSettings settings)
    {
        var options = ConfigurationOptions.Parse(settings.Redis!);
        var password = ReadPassword(settings.RedisPasswordFile) ?? Environment.GetEnvironmentVariable("ANTINEX_REDIS_PASSWORD");
        if (!string.IsNullOrEmpty(password))
        {
            if (password.IndexOfAny([',', '=']) >= 0)
                throw new ArgumentException("Redis password: must not contain ',' or '=' (the connection string cannot carry them)");
            options.Password = password;
        }
        if (settings.RedisUser is { } user) options.User = user;
        return new RedisAccess(options);
    }

    private static string? ReadPassword(string? file)
    {
        if (file is null) return null;
        if (!File.Exists(file)) throw new ArgumentException($"--redis-password-file {file}: file not found");
        try
        {
            var text = File.ReadAllText(file);
            var end = text.IndexOfAny(['\r', '\n']);
            var password = end < 0 ? text : text[..end];
            if (password.Length == 0) throw new ArgumentException($"--redis-password-file {file}: the first line is empty");
            return password;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new ArgumentException($"--redis-password-file {file}: cannot be read: {ex.Message}");
        }
    }

    /// <summary>Connects (never failing on an unreachable Redis: readiness reports it until it answers), but refuses
    /// to start on credentials Redis rejects: that does not heal by waiting.</summary>
    public IConnectionMultiplexer Connect()
    {
        var probe = Options.Clone();
        probe.AbortOnConnectFail = true;
        probe.ConnectTimeout = 3000;
        probe.ConnectRetry = 1;
        try
        {
            return ConnectionMultiplexer.Connect(probe);
        }
        catch (RedisConnectionException ex) when (IsAuthFailure(ex))
        {
            throw new ArgumentException($"Redis {Safe}: authentication refused ({FirstLine(ex)}); check --redis-user and " +
                                        "--redis-password-file / ANTINEX_REDIS_PASSWORD");
        }
        catch (RedisConnectionException)
        {
            var lenient = Options.Clone();
            lenient.AbortOnConnectFail = false;
            return ConnectionMultiplexer.Connect(lenient);
        }
    }

    private static bool IsAuthFailure(RedisConnectionException ex)
    {
        if (ex.FailureType == ConnectionFailureType.AuthenticationFailure) return true;
        var text = ex.ToString();
        return text.Contains("NOAUTH", StringComparison.Ordinal) || text.Contains("WRONGPASS", StringComparison.Ordinal) ||
               text.Contains("AuthenticationFailure", StringComparison.Ordinal) || text.Contains("NOPERM", StringComparison.Ordinal);
    }

    private static string FirstLine(Exception ex)
    {
        var inner = ex.InnerException?.Message ?? ex.Message;
        var end = inner.IndexOf('\n');
        return end < 0 ? inner : inner[..end];
    }
}
