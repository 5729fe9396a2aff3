// `serve` listens only where --urls says, after its checks: endpoints from configuration (a Kestrel section in an
// appsettings.json or Kestrel__Endpoints__* variables) never open a port beside them.
using System.Net.Sockets;
using AntiNex.Tests.Infrastructure;

namespace AntiNex.Tests.Http;

public sealed partial class HttpServiceTests
{
    [Fact]
    public async Task Endpoints_from_configuration_do_not_listen_beside_the_checked_addresses()
    {
        var extra = FreePorts.Take();
        var environment = new Dictionary<string, string> { ["Kestrel__Endpoints__extra__Url"] = $"http://127.0.0.1:{extra}" };
        using var serve = ServeProcess.Start("http", fx.WorkDir, [fx.Seed], fx.KeysFile, environment);
        await serve.WaitReadyAsync(TimeSpan.FromMinutes(2));
        using var client = new TcpClient();
        var refused = await Assert.ThrowsAsync<SocketException>(async () => await client.ConnectAsync("127.0.0.1", extra));
        Assert.Equal(SocketError.ConnectionRefused, refused.SocketErrorCode);
    }
}
