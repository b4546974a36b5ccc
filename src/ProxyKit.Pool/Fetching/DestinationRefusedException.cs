namespace ProxyKit.Pool.Fetching;

/// <summary>
/// Thrown by the connect callback when a host resolves only to internal addresses. SocketsHttpHandler wraps it in an
/// <see cref="HttpRequestException"/>; <see cref="FetchErrors"/> turns it into <see cref="SourceFetchFailure.Refused"/>.
/// </summary>
internal sealed class DestinationRefusedException(string host, int port)
    : Exception($"Refused to connect to {host}:{port}: it resolves only to loopback, private or otherwise internal addresses.")
{
    public string Host { get; } = host;

    public int Port { get; } = port;
}
