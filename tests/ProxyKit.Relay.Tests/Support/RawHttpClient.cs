using System.Net.Sockets;
using System.Text;

namespace ProxyKit.Relay.Tests.Support;

/// <summary>An HTTP/1.1 client connection to the relay that writes exactly the bytes a test gives it and reads responses raw.</summary>
internal sealed class RawHttpClient : IDisposable
{
    private readonly NetworkStream _stream;
    private readonly ByteReader _reader;

    private RawHttpClient(Socket socket)
    {
        Socket = socket;
        _stream = new NetworkStream(socket, ownsSocket: true);
        _reader = new ByteReader(_stream);
    }

    public Socket Socket { get; }

    public static async Task<RawHttpClient> ConnectAsync(TestRelay relay) => new(await relay.ConnectAsync());

    public Task SendAsync(string text) => Socket.SendAllAsync(Encoding.Latin1.GetBytes(text));

    public async Task<HttpWireResponse> ReadResponseAsync(bool isHead = false, TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? SocketExtensions.DefaultTimeout);
        try
        {
            return await HttpWire.ReadResponseAsync(_reader, isHead, cts.Token);
        }
        catch (OperationCanceledException) when (cts.IsCancellationRequested)
        {
            throw new TimeoutException("No complete response in time.");
        }
    }

    public async Task<HttpWireResponse> SendAndReadAsync(string request)
    {
        await SendAsync(request);
        return await ReadResponseAsync();
    }

    /// <summary>Reads whatever is left until the relay closes the connection.</summary>
    public async Task<byte[]> ReadUntilClosedAsync(TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? SocketExtensions.DefaultTimeout);
        try
        {
            return await _reader.ReadToEndAsync(cts.Token);
        }
        catch (OperationCanceledException) when (cts.IsCancellationRequested)
        {
            throw new TimeoutException("The relay did not close the connection in time.");
        }
    }

    public void Dispose() => _stream.Dispose();
}
