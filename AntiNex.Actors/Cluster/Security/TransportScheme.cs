// Akka names a TLS transport's addresses akka.ssl.tcp://. Users and scripts keep writing akka.tcp:// seeds; the
// member rewrites them to the scheme its own transport speaks, so one seed list works in both modes.
namespace AntiNex.Cluster.Security;

public static class TransportScheme
{
    public const string Plain = "akka.tcp://";
    public const string Tls = "akka.ssl.tcp://";

    public static string Seed(string address, bool tls)
    {
        var trimmed = address.Trim();
        if (tls && trimmed.StartsWith(Plain, StringComparison.OrdinalIgnoreCase)) return Tls + trimmed[Plain.Length..];
        if (!tls && trimmed.StartsWith(Tls, StringComparison.OrdinalIgnoreCase)) return Plain + trimmed[Tls.Length..];
        return trimmed;
    }
}
