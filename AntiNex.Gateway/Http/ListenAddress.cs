using System.Net;
using System.Net.Sockets;

namespace AntiNex.Gateway.Http;

/// <summary>One --urls entry, checked: an IP literal or localhost (no name lookups at bind time), http or https.
/// Plain http is refused on a non-loopback address unless --insecure-http; https needs a certificate.</summary>
public sealed record ListenAddress(string Url, IPAddress Address, int Port, bool Https)
{
    public bool IsLoopback => IPAddress.IsLoopback(Address);

    public static ListenAddress Parse(string url)
    {
        if (!Uri.TryCreate(url.Replace("://*", "://0.0.0.0").Replace("://+", "://0.0.0.0"), UriKind.Absolute, out var uri)
            || uri.Scheme is not ("http" or "https") || uri.AbsolutePath != "/")
            throw new ArgumentException($"--urls: '{url}' is not http(s)://ADDRESS:PORT");
        var host = uri.Host.Trim('[', ']');
        var address = host.Equals("localhost", StringComparison.OrdinalIgnoreCase) ? IPAddress.Loopback
            : IPAddress.TryParse(host, out var ip) ? ip
            : throw new ArgumentException($"--urls: '{url}': give an IP address (or localhost), not the name '{host}'");
        return new ListenAddress(url, address, uri.Port, uri.Scheme == "https");
    }

    /// <summary>Parses and checks every URL against the TLS rules; throws ArgumentException naming the URL at fault.</summary>
    public static IReadOnlyList<ListenAddress> ParseAll(HttpServeOptions options)
    {
        if (options.Urls.Count == 0) throw new ArgumentException("--urls: at least one address is needed");
        var list = options.Urls.Select(Parse).ToList();
        foreach (var a in list)
        {
            if (a.Https && options.HttpsCertificateFile is null)
                throw new ArgumentException($"--urls: '{a.Url}' is https but no --https-certificate is given");
            if (!a.Https && !a.IsLoopback && !options.InsecureHttp)
                throw new ArgumentException($"--urls: '{a.Url}' would serve plain http beyond this machine: use https with --https-certificate, "
                    + "or pass --insecure-http if a TLS proxy or a private network protects it");
        }
        return list;
    }

    /// <summary>Throws ArgumentException naming the first address another process already listens on. Checked before the
    /// cluster join, so a second serve on the same port fails in milliseconds with one line, not a host stack trace.</summary>
    public static void CheckFree(IReadOnlyList<ListenAddress> addresses)
    {
        foreach (var a in addresses.Where(a => a.Port != 0))
        {
            var probe = new TcpListener(a.Address, a.Port);
            try { probe.Start(); }
            catch (SocketException e)
            {
                throw new ArgumentException($"--urls: '{a.Url}': " + e.SocketErrorCode switch
                {
                    SocketError.AddressAlreadyInUse => "another process already listens there (another serve?); choose another port",
                    SocketError.AccessDenied => "this user may not listen on that port",
                    SocketError.AddressNotAvailable => "that address is not one of this machine's",
                    _ => e.Message,
                });
            }
            finally { probe.Stop(); }
        }
    }
}
