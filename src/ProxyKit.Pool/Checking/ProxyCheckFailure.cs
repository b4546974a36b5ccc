using System.Net.Sockets;

namespace ProxyKit.Pool.Checking;

/// <summary>An expected check failure inside the built-in checkers' protocol code; the checker turns it into a failed result.</summary>
#pragma warning disable CA1032 // Internal control flow only: never thrown out of a checker.
internal sealed class ProxyCheckFailure(string detail, bool wrongProtocol = false) : Exception(detail)
#pragma warning restore CA1032
{
    public string Detail { get; } = detail;

    public bool WrongProtocol { get; } = wrongProtocol;

    /// <summary>Describes an I/O failure in a few words (no addresses or secrets).</summary>
    public static string Describe(Exception exception) => exception switch
    {
        ProxyCheckFailure failure => failure.Detail,
        SocketException socket => Describe(socket.SocketErrorCode),
        IOException { InnerException: SocketException socket } => Describe(socket.SocketErrorCode),
        EndOfStreamException => "connection closed by the proxy",
        _ => "I/O error: " + exception.GetType().Name,
    };

    public static string Describe(SocketError error) => error switch
    {
        SocketError.ConnectionRefused => "refused",
        SocketError.TimedOut => "timed out",
        SocketError.ConnectionReset => "reset by the proxy",
        SocketError.ConnectionAborted => "connection aborted",
        SocketError.NetworkUnreachable or SocketError.NetworkDown => "network unreachable",
        SocketError.HostUnreachable or SocketError.HostDown => "host unreachable",
        SocketError.AddressNotAvailable => "address not available",
        _ => "socket error: " + error,
    };
}
