using System.Text.RegularExpressions;

namespace AntiNex.Persistence.Redis;

/// <summary>Keeps secrets out of logs and error messages.</summary>
public static class RedisSecrets
{
    /// <summary>Replaces the value of <c>password=</c> in a StackExchange.Redis configuration string (and in redis:// URIs) with <c>*****</c>.</summary>
    public static string Redact(string configurationString)
    {
        var redacted = Regex.Replace(configurationString, @"(?i)(password\s*=\s*)[^,]*", "$1*****");
        return Regex.Replace(redacted, @"(?i)(rediss?://[^:/@]*:)[^@]*@", "$1*****@");
    }
}
