using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;

namespace ProxyKit.Pool.Fetching;

/// <summary>
/// Builds the SocketsHttpHandler sources are fetched with, and opens its connections. The SSRF guard sits here: the
/// addresses a host resolves to are checked on every connection (redirects included) right before connecting to
/// them, so a hostname that resolves, or later re-resolves (DNS rebinding), to an internal address is never reached.
/// </summary>
internal sealed class SourceConnector(SourceFetchOptions options, ILogger logger)
{
    /// <summary>How long a pooled connection is reused before it is replaced (so DNS changes are picked up).</summary>
    internal static readonly TimeSpan PooledConnectionLifetime = TimeSpan.FromMinutes(5);

    public static SocketsHttpHandler CreateHandler(SourceFetchOptions options, ILogger logger)
    {
        var connector = new SourceConnector(options, logger);
        return new SocketsHttpHandler
        {
            ConnectCallback = connector.ConnectAsync,
            ConnectTimeout = options.AttemptTimeout,
            UseProxy = false, // the guard must judge the address really connected to, not a proxy's
            UseCookies = false,
            AllowAutoRedirect = true,
            MaxAutomaticRedirections = 5,
            AutomaticDecompression = DecompressionMethods.All,
            PooledConnectionLifetime = PooledConnectionLifetime,
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(1),
        };
    }

    public async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var host = context.DnsEndPoint.Host;
        var port = context.DnsEndPoint.Port;
        var addresses = IPAddress.TryParse(host.AsSpan().Trim("[]"), out var literal)
            ? [literal]
            : await Dns.GetHostAddressesAsync(host, cancellationToken).ConfigureAwait(false);
        if (!options.AllowPrivateAddresses)
        {
            addresses = Public(addresses, host, port);
        }

        if (addresses.Length == 0)
        {
            throw new SocketException((int)SocketError.HostNotFound);
        }

        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(addresses, port, cancellationToken).ConfigureAwait(false);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    private IPAddress[] Public(IPAddress[] addresses, string host, int port)
    {
        var allowed = Array.FindAll(addresses, a => !AddressPolicy.IsInternal(a));
        if (allowed.Length == 0 && addresses.Length > 0)
        {
            FetchLog.DestinationRefused(logger, host, port, string.Join(", ", addresses.Select(a => a.ToString())));
            throw new DestinationRefusedException(host, port);
        }

        if (allowed.Length != addresses.Length && logger.IsEnabled(LogLevel.Debug))
        {
            foreach (var skipped in addresses.Except(allowed))
            {
                FetchLog.InternalAddressSkipped(logger, skipped.ToString(), host);
            }
        }

        return allowed;
    }
}
