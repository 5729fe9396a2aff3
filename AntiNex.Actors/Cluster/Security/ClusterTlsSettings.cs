// Where a member's transport credentials come from: three files (its PKCS#12 certificate with key, the file holding
// that certificate's password, the cluster CA as PEM) or the explicit plaintext opt-out. Same for nodes and gateways.
namespace AntiNex.Cluster.Security;

public sealed record ClusterTlsSettings
{
    /// <summary>PKCS#12 (.p12/.pfx) holding this member's certificate and private key.</summary>
    public string? CertificatePath { get; init; }
    /// <summary>File whose first line is the PKCS#12 password (a password never travels on the command line).</summary>
    public string? PasswordFile { get; init; }
    /// <summary>PEM file of the cluster CA: the only issuer whose certificates this member accepts.</summary>
    public string? CaPath { get; init; }
    /// <summary>Plaintext akka.tcp, no authentication: for a throw-away development cluster only.</summary>
    public bool Insecure { get; init; }

    public const string Usage = """
          --tls-certificate FILE       PKCS#12 certificate + key of this member (env ANTINEX_TLS_CERTIFICATE)
          --tls-password-file FILE     file holding the PKCS#12 password (env ANTINEX_TLS_PASSWORD_FILE)
          --tls-ca FILE                PEM of the cluster CA, the only issuer accepted (env ANTINEX_TLS_CA)
          --insecure                   plaintext akka.tcp without authentication, and on a node no model signing key
                                       (development only; warns at every start)
        """;

    /// <summary>Reads the settings through a key lookup: keys TlsCertificate, TlsPasswordFile, TlsCa, Insecure
    /// (configuration keys of the node, environment names ANTINEX_TLS_* of the gateway).</summary>
    public static ClusterTlsSettings From(Func<string, string?> lookup) => new()
    {
        CertificatePath = Blank(lookup("TlsCertificate")),
        PasswordFile = Blank(lookup("TlsPasswordFile")),
        CaPath = Blank(lookup("TlsCa")),
        Insecure = Switch("Insecure", lookup("Insecure")),
    };

    /// <summary>An on/off setting read as every node setting is (true/1/yes/on, false/0/no/off, blank = off): parsed one way,
    /// "1" can never turn signing off while leaving TLS on.</summary>
    public static bool Switch(string key, string? value) => value?.Trim().ToLowerInvariant() switch
    {
        null or "" or "false" or "0" or "no" or "off" => false,
        "true" or "1" or "yes" or "on" => true,
        var other => throw new ArgumentException($"{key}: '{other}' is not true or false"),
    };

    /// <summary>ANTINEX_TLS_CERTIFICATE, ANTINEX_TLSCERTIFICATE or ANTINEX_TlsCertificate for key TlsCertificate.</summary>
    public static string? FromEnvironment(string key)
    {
        var snake = string.Concat(key.Select((c, i) => i > 0 && char.IsUpper(c) ? "_" + c : c.ToString()));
        foreach (var name in new[] { "ANTINEX_" + snake.ToUpperInvariant(), "ANTINEX_" + key.ToUpperInvariant(), "ANTINEX_" + key })
            if (Environment.GetEnvironmentVariable(name) is { Length: > 0 } value) return value;
        return null;
    }

    private static string? Blank(string? s) => string.IsNullOrWhiteSpace(s) ? null : s.Trim();
}
