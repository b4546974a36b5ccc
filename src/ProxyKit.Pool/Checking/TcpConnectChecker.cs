using System.Net.Sockets;

namespace ProxyKit.Pool.Checking;

/// <summary>Stage 1: opens a TCP connection to the proxy and closes it. Refused, reset and unreachable are told apart; a timeout is reported by the runner.</summary>
internal sealed class TcpConnectChecker(TimeProvider timeProvider) : IProxyChecker
{
    public string Name => "tcp_connect";

    public int Stage => 1;

    public int Priority => 0;

    public async ValueTask<ProxyCheckResult> CheckAsync(ProxyCheckContext context, CancellationToken cancellationToken)
    {
        var started = timeProvider.GetTimestamp();
        try
        {
            using var channel = await ProxyConnector.ConnectAsync(context.EndPoint, cancellationToken).ConfigureAwait(false);
            return ProxyCheckResult.Pass(timeProvider.GetElapsedTime(started), "TCP connect OK");
        }
        catch (SocketException exception)
        {
            return ProxyCheckResult.Fail(ProxyCheckFailure.Describe(exception.SocketErrorCode), timeProvider.GetElapsedTime(started));
        }
    }
}
