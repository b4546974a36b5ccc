using System.Net;

namespace ProxyKit.Relay.Listeners;

/// <summary>One finished client connection, as reported to <see cref="RelayListenerOptions.ConnectionClosed"/>.</summary>
/// <param name="StartedAt">When the client connected.</param>
/// <param name="Duration">How long the connection lasted.</param>
/// <param name="Client">The client's address and port.</param>
/// <param name="Target">The destination it asked for (<c>host:port</c>; the last one on an HTTP keep-alive connection), when it got that far.</param>
/// <param name="Failure">Why it ended without being served, or <see langword="null"/> when it was served.</param>
/// <param name="BytesSent">Bytes relayed from the client to targets.</param>
/// <param name="BytesReceived">Bytes relayed from targets to the client.</param>
public sealed record RelayConnectionRecord(
    DateTimeOffset StartedAt,
    TimeSpan Duration,
    IPEndPoint? Client,
    string? Target,
    RelayFailureReason? Failure,
    long BytesSent,
    long BytesReceived);
