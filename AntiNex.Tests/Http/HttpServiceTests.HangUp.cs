// Clients that hang up: an event stream closed after its first event, infers abandoned mid-way, a body cut short. A
// training job belongs to the service, not to the connection that follows it, and a hang-up is not an error to log.
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace AntiNex.Tests.Http;

public sealed partial class HttpServiceTests
{
    [Fact]
    public async Task A_client_that_hangs_up_costs_nothing_but_its_own_answer()
    {
        const string label = "web-hangup";
        using var http = fx.Client("admin");
        var logFrom = new FileInfo(fx.Serve.LogPath).Length;
        var infer = InferBody(2000);
        var before = await Send(http, "POST", $"/v2/models/{Model}/infer", infer);
        Assert.Equal(HttpStatusCode.OK, before.Status);

        var started = await Send(http, "POST", "/api/train", fx.Data.TrainJson(label, epochs: 20));
        Assert.Equal(HttpStatusCode.Accepted, started.Status);
        var jobId = started.Body.GetProperty("job_id").GetString()!;
        using (var stream = await http.GetAsync($"/api/jobs/{jobId}/events", HttpCompletionOption.ResponseHeadersRead))
        {
            using var reader = new StreamReader(await stream.Content.ReadAsStreamAsync());
            while (await reader.ReadLineAsync() is { Length: > 0 }) { } // the first event, then hang up
        }

        for (var i = 0; i < 8; i++)
        {
            using var abandon = new CancellationTokenSource(TimeSpan.FromMilliseconds(5 + (20 * i)));
            using var content = new StringContent(infer, Encoding.UTF8, "application/json");
            try { (await http.PostAsync($"/v2/models/{Model}/infer", content, abandon.Token)).Dispose(); }
            catch (OperationCanceledException) { } // abandoned before the answer, as meant
        }
        await SendHalfABodyAndCloseAsync(fx.Serve.Port, $"/v2/models/{Model}/infer", fx.Secret("admin"));

        var state = await HttpServiceFixture.JobEndAsync(http, jobId);
        Assert.Equal("succeeded", state); // the stream that hung up did not take the training with it

        var after = await Send(http, "POST", $"/v2/models/{Model}/infer", infer);
        Assert.Equal(HttpStatusCode.OK, after.Status);
        Assert.Equal(Output(before.Body, "probability"), Output(after.Body, "probability"));
        var log = LogSince(logFrom);
        output.WriteLine(log.Length == 0 ? "(nothing logged)" : log);
        Assert.DoesNotContain("fail:", log, StringComparison.Ordinal);
        Assert.DoesNotContain("crit:", log, StringComparison.Ordinal);
    }

    private string InferBody(int rows)
    {
        var sample = fx.Data.RawRows(fx.InputFeatures, 50);
        var matrix = Enumerable.Range(0, rows).Select(i => sample[(i * 3) % sample.Length]).ToArray();
        return JsonSerializer.Serialize(new
        {
            inputs = new[]
            {
                new { name = "rows", shape = new[] { rows, fx.InputFeatures.Count }, datatype = "FP32", data = matrix.SelectMany(r => r) },
            },
        });
    }

    /// <summary>Announces a body of 100 kB, sends a few bytes of it and closes the connection.</summary>
    private static async Task SendHalfABodyAndCloseAsync(int port, string path, string secret)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, port);
        var head = $"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}\r\n" +
            $"Authorization: Bearer {secret}\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n" +
            "{\"inputs\": [{\"name\": \"rows\", ";
        await tcp.GetStream().WriteAsync(Encoding.ASCII.GetBytes(head));
        await Task.Delay(300); // the service is reading the body when the connection goes
    }

    private string LogSince(long offset)
    {
        using var stream = new FileStream(fx.Serve.LogPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        stream.Seek(offset, SeekOrigin.Begin);
        return new StreamReader(stream).ReadToEnd().Trim();
    }
}
