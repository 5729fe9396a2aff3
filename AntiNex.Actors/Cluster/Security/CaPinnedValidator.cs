// The handshake check of every akka.tcp connection, in both directions: the peer's certificate must chain to the
// cluster CA (and only to it: the system trust store plays no part), be within its validity period, and be presented
// at all. A refusal is logged with the peer's address and the reason.
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Akka.Event;
using Akka.Remote.Transport.DotNetty;

namespace AntiNex.Cluster.Security;

public static class CaPinnedValidator
{
    public static CertificateValidationCallback For(X509Certificate2 ca) => (certificate, chain, peer, errors, log) =>
    {
        string? problem = certificate is null || errors.HasFlag(SslPolicyErrors.RemoteCertificateNotAvailable)
            ? "no certificate presented"
            : Verify(certificate, chain, ca, DateTime.UtcNow);
        if (problem is null) return true;
        log.Warning("TLS: refused peer {0}: {1} (subject {2}, issuer {3})", peer, problem,
            certificate?.Subject ?? "-", certificate?.Issuer ?? "-");
        return false;
    };

    /// <summary>Null when <paramref name="certificate"/> chains to <paramref name="ca"/> at <paramref name="at"/>, else why not.</summary>
    public static string? Verify(X509Certificate2 certificate, X509Chain? presented, X509Certificate2 ca, DateTime at)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(ca);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.VerificationTime = at.ToLocalTime();
        chain.ChainPolicy.VerificationTimeIgnored = false;
        // Intermediates the peer sent along may complete the chain; they cannot make it trusted on their own.
        if (presented is not null)
            foreach (var element in presented.ChainElements)
                if (!element.Certificate.RawDataMemory.Span.SequenceEqual(certificate.RawDataMemory.Span))
                    chain.ChainPolicy.ExtraStore.Add(element.Certificate);
        if (!chain.Build(certificate))
        {
            var status = chain.ChainStatus.Select(s => s.Status.ToString()).Distinct();
            return $"certificate does not chain to the cluster CA ({string.Join(", ", status)})";
        }
        var root = chain.ChainElements[^1].Certificate;
        if (!root.RawDataMemory.Span.SequenceEqual(ca.RawDataMemory.Span))
            return $"chain ends at {root.Subject}, not at the cluster CA {ca.Subject}";
        return null;
    }
}
