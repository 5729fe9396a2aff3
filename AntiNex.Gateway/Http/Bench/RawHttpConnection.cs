// One kept-alive HTTP/1.1 connection of the load generator, on its own thread with blocking socket calls: the request's
// bytes (headers and body) are encoded once, each request is one send, and the answer is parsed only as far as the
// status code and the body's end (Content-Length or chunked). The generator shares the machine with the service it
// measures, so every microsecond it spends is taken from the service: no HttpClient, no async state machines, no wake-up
// of a second thread per answer.
using System.Buffers.Text;
using System.Net.Security;
using System.Net.Sockets;
using System.Text;

namespace AntiNex.Gateway.Http.Bench;

internal sealed class RawHttpConnection : IDisposable
{
    private static readonly byte[] HeaderEnd = "\r\n\r\n"u8.ToArray();
    private readonly Uri _base;
    private readonly byte[] _request;
    private readonly TimeSpan _timeout;
    private byte[] _buffer = new byte[64 * 1024];
    private Socket? _socket;
    private Stream? _stream;

    public RawHttpConnection(Uri baseUrl, string path, string apiKey, byte[] body, TimeSpan timeout)
    {
        _base = baseUrl;
        _timeout = timeout;
        var head = Encoding.ASCII.GetBytes(
            $"POST {path} HTTP/1.1\r\nHost: {baseUrl.Authority}\r\nAuthorization: Bearer {apiKey}\r\n" +
            $"Content-Type: application/json\r\nContent-Length: {body.Length}\r\n\r\n");
        _request = [.. head, .. body];
    }

    /// <summary>Sends the request and reads the whole answer: its status code. Throws IOException/SocketException when
    /// the connection fails or times out (the next call connects again).</summary>
    public int Send()
    {
        try
        {
            var stream = _stream ?? Connect();
            stream.Write(_request);
            return ReadAnswer(stream);
        }
        catch
        {
            Close();
            throw;
        }
    }

    private int ReadAnswer(Stream stream)
    {
        int filled = 0, headerEnd;
        while ((headerEnd = _buffer.AsSpan(0, filled).IndexOf(HeaderEnd)) < 0) filled = Fill(stream, filled);
        var head = _buffer.AsSpan(0, headerEnd);
        if (head.Length < 12 || !Utf8Parser.TryParse(head.Slice(9, 3), out int status, out _))
            throw new IOException("not an HTTP answer");
        var bodyStart = headerEnd + HeaderEnd.Length;
        var length = HeaderValue(head, "content-length:"u8);
        if (length >= 0)
        {
            while (filled < bodyStart + length) filled = Fill(stream, filled);
            if (filled != bodyStart + length) throw new IOException("more bytes than the answer's Content-Length");
            return status;
        }
        // chunked (error answers of unknown length): read until the last chunk's empty line; a closed line ends it.
        while (!_buffer.AsSpan(bodyStart, filled - bodyStart).EndsWith("0\r\n\r\n"u8)) filled = Fill(stream, filled);
        return status;
    }

    /// <summary>The header's integer value, or -1 when absent. Header names compared without case.</summary>
    private static int HeaderValue(ReadOnlySpan<byte> head, ReadOnlySpan<byte> name)
    {
        for (int at = head.IndexOf("\r\n"u8); at >= 0 && at + 2 < head.Length;)
        {
            var line = head[(at + 2)..];
            var end = line.IndexOf("\r\n"u8);
            if (end >= 0) line = line[..end];
            if (line.Length > name.Length && Ascii.EqualsIgnoreCase(line[..name.Length], name)
                && Utf8Parser.TryParse(line[name.Length..].Trim((byte)' '), out int value, out _))
                return value;
            if (end < 0) break;
            at += 2 + end;
        }
        return -1;
    }

    private int Fill(Stream stream, int filled)
    {
        if (filled == _buffer.Length) Array.Resize(ref _buffer, _buffer.Length * 2);
        var read = stream.Read(_buffer, filled, _buffer.Length - filled);
        if (read <= 0) throw new IOException("the service closed the connection");
        return filled + read;
    }

    private Stream Connect()
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp)
        {
            NoDelay = true,
            ReceiveTimeout = (int)_timeout.TotalMilliseconds,
            SendTimeout = (int)_timeout.TotalMilliseconds,
        };
        try
        {
            socket.Connect(_base.DnsSafeHost, _base.Port);
            Stream stream = new NetworkStream(socket, ownsSocket: false);
            if (_base.Scheme == Uri.UriSchemeHttps)
            {
                // Benchmarks only run against the operator's own service; a self-signed certificate is accepted here.
                var tls = new SslStream(stream, leaveInnerStreamOpen: false, (_, _, _, _) => true);
                tls.AuthenticateAsClient(_base.DnsSafeHost);
                stream = tls;
            }
            _socket = socket;
            return _stream = stream;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    private void Close()
    {
        _stream?.Dispose();
        _socket?.Dispose();
        _stream = null;
        _socket = null;
    }

    public void Dispose() => Close();
}
