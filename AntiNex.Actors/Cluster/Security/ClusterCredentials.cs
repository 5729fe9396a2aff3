// A member's loaded transport identity: its certificate (with private key) and the cluster CA it trusts. Loading
// checks everything a handshake would otherwise fail on later, with a message naming the file and the problem.
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace AntiNex.Cluster.Security;

public sealed class ClusterCredentials
{
    private ClusterCredentials(X509Certificate2 certificate, X509Certificate2 ca)
    {
        Certificate = certificate;
        Ca = ca;
    }

    public X509Certificate2 Certificate { get; }
    public X509Certificate2 Ca { get; }
    /// <summary>This member's identity as the others see it, e.g. "CN=gateway-ops, O=AntiNex".</summary>
    public string Subject => Certificate.Subject;

    /// <summary>Loads and checks the three files; throws <see cref="ClusterTlsException"/> naming what is wrong.</summary>
    public static ClusterCredentials Load(ClusterTlsSettings settings, DateTimeOffset? now = null)
    {
        var at = (now ?? DateTimeOffset.UtcNow).UtcDateTime;
        var certPath = Required(settings.CertificatePath, "--tls-certificate", "the member's PKCS#12 certificate");
        var passwordPath = Required(settings.PasswordFile, "--tls-password-file", "the file holding the PKCS#12 password");
        var caPath = Required(settings.CaPath, "--tls-ca", "the cluster CA (PEM)");
        var password = ReadPassword(passwordPath);
        var ca = LoadCa(caPath);
        X509Certificate2 certificate;
        try
        {
            certificate = X509CertificateLoader.LoadPkcs12(ReadBytes(certPath, "--tls-certificate"), password);
        }
        catch (CryptographicException ex)
        {
            throw new ClusterTlsException($"--tls-certificate {certPath}: not a PKCS#12 file or wrong password " +
                                          $"(--tls-password-file {passwordPath}): {ex.Message}", ex);
        }
        if (!certificate.HasPrivateKey)
            throw new ClusterTlsException($"--tls-certificate {certPath}: has no private key (a PKCS#12 with certificate and key is needed)");
        CheckValidity(certificate, at, $"--tls-certificate {certPath}");
        CheckValidity(ca, at, $"--tls-ca {caPath}");
        if (CaPinnedValidator.Verify(certificate, null, ca, at) is { } problem)
            throw new ClusterTlsException($"--tls-certificate {certPath}: not issued by the cluster CA in {caPath}: {problem}");
        return new ClusterCredentials(certificate, ca);
    }

    private static string Required(string? path, string option, string what)
    {
        if (string.IsNullOrWhiteSpace(path))
            throw new ClusterTlsException($"{option}: missing ({what}); mutual TLS is on by default. Create certificates with " +
                                          "deploy/certs.sh, or start a throw-away plaintext cluster with --insecure");
        if (!File.Exists(path)) throw new ClusterTlsException($"{option} {path}: file not found");
        return path;
    }

    private static byte[] ReadBytes(string path, string option)
    {
        try { return File.ReadAllBytes(path); }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new ClusterTlsException($"{option} {path}: cannot be read: {ex.Message}", ex);
        }
    }

    private static string ReadPassword(string path)
    {
        var text = System.Text.Encoding.UTF8.GetString(ReadBytes(path, "--tls-password-file"));
        // First line only: files written with echo end in a newline that is not part of the password.
        var end = text.IndexOfAny(['\r', '\n']);
        return end < 0 ? text : text[..end];
    }

    private static X509Certificate2 LoadCa(string path)
    {
        var pem = System.Text.Encoding.UTF8.GetString(ReadBytes(path, "--tls-ca"));
        try
        {
            var ca = X509Certificate2.CreateFromPem(pem);
            var constraints = ca.Extensions.OfType<X509BasicConstraintsExtension>().FirstOrDefault();
            if (constraints is not { CertificateAuthority: true })
                throw new ClusterTlsException($"--tls-ca {path}: {ca.Subject} is not a CA certificate (basicConstraints CA:TRUE missing)");
            return ca;
        }
        catch (CryptographicException ex)
        {
            throw new ClusterTlsException($"--tls-ca {path}: not a PEM certificate: {ex.Message}", ex);
        }
    }

    private static void CheckValidity(X509Certificate2 certificate, DateTime at, string where)
    {
        if (at < certificate.NotBefore.ToUniversalTime())
            throw new ClusterTlsException($"{where}: not valid yet ({certificate.Subject} valid from {certificate.NotBefore.ToUniversalTime():u})");
        if (at > certificate.NotAfter.ToUniversalTime())
            throw new ClusterTlsException($"{where}: expired on {certificate.NotAfter.ToUniversalTime():u} ({certificate.Subject}); " +
                                          "renew it with deploy/certs.sh renew");
    }
}
