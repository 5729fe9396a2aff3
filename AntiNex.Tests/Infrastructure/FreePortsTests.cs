using System.Net;
using System.Net.Sockets;

namespace AntiNex.Tests.Infrastructure;

public sealed class FreePortsTests
{
    [Fact]
    public void A_reserved_port_cannot_be_bound_by_anyone_else_until_released()
    {
        using var reservation = FreePorts.Reserve();
        var other = new TcpListener(IPAddress.Loopback, reservation.Port);
        var refused = Assert.Throws<SocketException>(() => other.Start());
        Assert.True(FreePorts.IsBindFailure(refused));

        var port = reservation.Release();
        other.Start(); // free for its server now
        Assert.Equal(port, ((IPEndPoint)other.LocalEndpoint).Port);
        other.Stop();
    }

    [Fact]
    public void No_port_is_handed_out_twice()
    {
        var ports = Enumerable.Range(0, 50).Select(_ => FreePorts.Take()).ToList();
        Assert.Equal(ports.Count, ports.Distinct().Count());
    }

    [Fact]
    public async Task A_start_that_finds_its_port_taken_starts_again_on_another_port()
    {
        var tried = new List<int>();
        var started = await FreePorts.StartAsync(port =>
        {
            tried.Add(port);
            if (tried.Count == 1) throw new SocketException((int)SocketError.AddressAlreadyInUse);
            return Task.FromResult(port);
        });
        Assert.Equal(2, tried.Count);
        Assert.NotEqual(tried[0], started);
        Assert.Equal(tried[1], started);
        // Any other failure is not retried.
        await Assert.ThrowsAsync<InvalidOperationException>(() => FreePorts.StartAsync<int>(_ => throw new InvalidOperationException("boom")));
    }
}
