// Certificates for the tests' cluster members, made in-process (CertificateRequest, ECDSA P-256: milliseconds): a
// cluster CA per test run, member certificates it issues (PKCS#12 + password file + CA PEM, as deploy/certs.sh
// writes them), and the ones a stranger would bring: self-signed, from another CA, expired.
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using AntiNex.Cluster.Security;

namespace AntiNex.Tests.Cluster;

/// <summary>The three files a member is started with.</summary>
public sealed record MemberCertificate(string Certificate, string PasswordFile, string Ca, string Password)
{
    public string[] Args => ["--tls-certificate", Certificate, "--tls-password-file", PasswordFile, "--tls-ca", Ca];

    public IReadOnlyDictionary<string, string> Environment => new Dictionary<string, string>
    {
        ["ANTINEX_TLS_CERTIFICATE"] = Certificate, ["ANTINEX_TLS_PASSWORD_FILE"] = PasswordFile, ["ANTINEX_TLS_CA"] = Ca,
    };

    public ClusterTlsSettings Settings => new() { CertificatePath = Certificate, PasswordFile = PasswordFile, CaPath = Ca };
}

public sealed class TestPki : IDisposable
{
    private static readonly Lazy<TestPki> SharedPki = new(() =>
    {
        var pki = new TestPki("AntiNex test cluster CA");
        AppDomain.CurrentDomain.ProcessExit += (_, _) => pki.Dispose(); // its keys leave with the test run
        return pki;
    });
    private static readonly Lazy<MemberCertificate> SharedNode = new(() => SharedPki.Value.Issue("antinex-node"));
    private static readonly Lazy<MemberCertificate> SharedGateway = new(() => SharedPki.Value.Issue("antinex-gateway"));

    private readonly ECDsa _caKey;
    private readonly X509Certificate2 _ca;

    /// <summary>The CA of this test run's clusters.</summary>
    public static TestPki Shared => SharedPki.Value;
    /// <summary>One certificate every test node uses (the cluster CA pins identity, not host names).</summary>
    public static MemberCertificate Node => SharedNode.Value;
    public static MemberCertificate Gateway => SharedGateway.Value;

    public string Directory { get; }
    public string CaPath { get; }

    public TestPki(string caName)
    {
        Directory = System.IO.Directory.CreateTempSubdirectory("antinex-pki-").FullName; // mode 0700: private keys
        _caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={caName}, O=AntiNex", _caKey, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        var now = DateTimeOffset.UtcNow;
        _ca = request.CreateSelfSigned(now.AddYears(-1), now.AddYears(1));
        CaPath = Path.Combine(Directory, "ca.crt");
        File.WriteAllText(CaPath, _ca.ExportCertificatePem());
    }

    /// <summary>A member certificate issued by this CA, valid from <paramref name="notBefore"/> to <paramref name="notAfter"/>.</summary>
    public MemberCertificate Issue(string name, DateTimeOffset? notBefore = null, DateTimeOffset? notAfter = null)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = MemberRequest(name, key);
        var now = DateTimeOffset.UtcNow;
        using var issued = request.Create(_ca, notBefore ?? now.AddHours(-1), notAfter ?? now.AddDays(30), RandomNumberGenerator.GetBytes(12));
        using var withKey = issued.CopyWithPrivateKey(key);
        return Write(name, withKey, CaPath);
    }

    /// <summary>A self-signed certificate with a member's name (as `openssl req -x509` makes it: its own CA), what a
    /// stranger can make without the cluster CA; <paramref name="trustingClusterCa"/> pairs it with the cluster CA file.</summary>
    public MemberCertificate SelfSigned(string name, bool trustingClusterCa = false)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var now = DateTimeOffset.UtcNow;
        var request = new CertificateRequest($"CN={name}, O=AntiNex", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        using var self = request.CreateSelfSigned(now.AddHours(-1), now.AddDays(30));
        var files = Write(name + "-self-signed", self, CaPath);
        if (trustingClusterCa) return files;
        var ownCa = Path.ChangeExtension(files.Certificate, ".ca.crt");
        File.WriteAllText(ownCa, self.ExportCertificatePem());
        return files with { Ca = ownCa };
    }

    /// <summary>A certificate with no private key in the PKCS#12.</summary>
    public MemberCertificate WithoutKey(string name)
    {
        var full = Issue(name);
        using var cert = X509CertificateLoader.LoadPkcs12FromFile(full.Certificate, full.Password);
        using var bare = X509CertificateLoader.LoadCertificate(cert.RawData);
        var path = Path.Combine(Directory, name + "-nokey.p12");
        File.WriteAllBytes(path, bare.Export(X509ContentType.Pkcs12, full.Password));
        return full with { Certificate = path };
    }

    private static CertificateRequest MemberRequest(string name, ECDsa key)
    {
        var request = new CertificateRequest($"CN={name}, O=AntiNex", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyAgreement, true));
        // Every member is both a TLS server (inbound associations) and a TLS client (outbound ones).
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(
            [new Oid("1.3.6.1.5.5.7.3.1"), new Oid("1.3.6.1.5.5.7.3.2")], false));
        var san = new SubjectAlternativeNameBuilder();
        san.AddDnsName(name);
        san.AddDnsName("localhost");
        san.AddIpAddress(System.Net.IPAddress.Loopback);
        request.CertificateExtensions.Add(san.Build());
        return request;
    }

    private MemberCertificate Write(string name, X509Certificate2 withKey, string ca)
    {
        var password = Convert.ToHexString(RandomNumberGenerator.GetBytes(16));
        var stem = Path.Combine(Directory, name + "-" + Guid.NewGuid().ToString("N")[..6]);
        File.WriteAllBytes(stem + ".p12", withKey.Export(X509ContentType.Pkcs12, password));
        File.WriteAllText(stem + ".password", password + "\n");
        return new MemberCertificate(stem + ".p12", stem + ".password", ca, password);
    }

    public void Dispose()
    {
        _ca.Dispose();
        _caKey.Dispose();
        try { System.IO.Directory.Delete(Directory, recursive: true); } catch (IOException) { }
    }
}
