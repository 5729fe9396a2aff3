using System.Diagnostics;
using System.Globalization;

namespace AntiNex.Tests.Failover;

/// <summary>A network namespace joined to this host by a veth pair (10.213.N.1/30 here, 10.213.N.2/30 inside), plus an
/// address on this host's loopback interface (10.213.N.5/32) for the hosts that stay on the majority side: taking the
/// veth link down cuts the namespace off from them and nothing else. Traffic stays among the test's own addresses. Dispose removes it all.</summary>
public sealed class NetworkNamespace : IDisposable
{
    private readonly string _veth;

    private NetworkNamespace(int n)
    {
        Name = $"anx-part-{n}";
        _veth = $"anxp{n}h";
        MajorityAddress = $"10.213.{n}.5";
        MinorityAddress = $"10.213.{n}.2";
    }

    /// <summary>Why the last <see cref="TryCreate"/> gave no namespace.</summary>
    public static string? LastError { get; private set; }

    public string Name { get; }
    public string MajorityAddress { get; }
    public string MinorityAddress { get; }
    /// <summary>The command prefix that runs a process inside the namespace.</summary>
    public string[] Exec => ["ip", "netns", "exec", Name];

    /// <summary>null (and <see cref="LastError"/>) when not root or `ip netns` is unavailable.</summary>
    public static NetworkNamespace? TryCreate()
    {
        if (!Environment.IsPrivilegedProcess)
        {
            LastError = "needs root (CAP_NET_ADMIN) to create a network namespace";
            return null;
        }
        var net = new NetworkNamespace(Random.Shared.Next(1, 250));
        try
        {
            Ip("netns", "add", net.Name);
            Ip("netns", "exec", net.Name, "ip", "link", "set", "lo", "up");
            Ip("link", "add", net._veth, "type", "veth", "peer", "name", "eth-anx", "netns", net.Name);
            Ip("addr", "add", $"{net.MinorityAddress[..^2]}.1/30", "dev", net._veth);
            Ip("link", "set", net._veth, "up");
            Ip("netns", "exec", net.Name, "ip", "addr", "add", $"{net.MinorityAddress}/30", "dev", "eth-anx");
            Ip("netns", "exec", net.Name, "ip", "link", "set", "eth-anx", "up");
            Ip("netns", "exec", net.Name, "ip", "route", "add", "default", "via", $"{net.MinorityAddress[..^2]}.1");
            Ip("addr", "add", $"{net.MajorityAddress}/32", "dev", "lo");
            LastError = null;
            return net;
        }
        catch (Exception ex)
        {
            net.Dispose();
            LastError = $"`ip netns` is unavailable here: {ex.Message}";
            return null;
        }
    }

    public void Cut() => Ip("link", "set", _veth, "down");

    public void Heal() => Ip("link", "set", _veth, "up");

    public void Dispose()
    {
        foreach (var args in new[] { new[] { "netns", "del", Name }, ["link", "del", _veth], ["addr", "del", $"{MajorityAddress}/32", "dev", "lo"] })
        {
            try { Ip(args); } catch (Exception) { } // already gone
        }
    }

    private static void Ip(params string[] args)
    {
        var info = new ProcessStartInfo("ip") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var a in args) info.ArgumentList.Add(a);
        using var p = Process.Start(info) ?? throw new InvalidOperationException("ip did not start");
        var error = p.StandardError.ReadToEnd();
        p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0)
        {
            var code = p.ExitCode.ToString(CultureInfo.InvariantCulture);
            throw new InvalidOperationException($"ip {string.Join(' ', args)}: exit {code}: {error.Trim()}");
        }
    }
}
