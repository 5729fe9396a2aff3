using Akka.Actor;

namespace AntiNex.Cluster;

/// <summary>A seed node's address as the operator writes it: akka.tcp://SYSTEM@HOST:PORT (or akka.ssl.tcp://, the scheme a
/// TLS member speaks; either joins it). Checked where it is read, so a typo is a usage error naming the value, not an
/// exception from inside the join.</summary>
public static class SeedAddress
{
    public static bool IsValid(string seed)
        => Address.TryParse(seed, out var address) && address.Protocol is "akka.tcp" or "akka.ssl.tcp" && address.Host is { Length: > 0 }
            && address.Port is > 0 and <= 65535
            // The actor system every member runs: a seed naming another (akka.tcp://AntiNex@...) would never answer the join.
            && address.System == AntiNexClusterOptions.SystemName;

    /// <summary>Throws ArgumentException naming the first value that is not a seed address.</summary>
    public static IReadOnlyList<string> Checked(IReadOnlyList<string> seeds, string source)
    {
        foreach (var seed in seeds)
            if (!IsValid(seed))
                throw new ArgumentException($"{source}: '{seed}' is not a seed node address (akka.tcp://antinex@HOST:PORT)");
        return seeds;
    }
}
