using System.Net.Sockets;
using Microsoft.Extensions.Options;

namespace ProxyKit.Pool.Checking;

/// <summary>
/// Stage 2: speaks the claimed protocol to the proxy. SOCKS5: greeting, username/password authentication (RFC 1929)
/// when the proxy asks, then CONNECT to the first judge. SOCKS4: CONNECT (4a for a host name). HTTP: a GET of the
/// first judge in absolute form; when the proxy refuses it (other than 407), CONNECT instead. HTTPS: CONNECT only.
/// Without a judge only SOCKS5 is checked here (greeting and authentication need no destination).
/// </summary>
internal sealed class ProtocolHandshakeChecker(IOptions<PoolOptions> options, TimeProvider timeProvider, JudgeBaselines baselines)
    : IProxyChecker, IConditionalProxyChecker
{
    // Read on first use: checkers are built while the options are being validated (duplicate names).
    private readonly Lazy<JudgeTarget?> _firstJudge = new(() =>
        options.Value.Checking.JudgeUrls is [var first, ..] && JudgeTarget.TryCreate(first, out var judge) ? judge : null);

    public string Name => "protocol_handshake";

    public int Stage => 2;

    public int Priority => 0;

    private JudgeTarget? Judge => _firstJudge.Value;

    public bool AppliesTo(ProxyCheckContext context) => Judge is not null || context.Protocol == "socks5";

    public async ValueTask<ProxyCheckResult> CheckAsync(ProxyCheckContext context, CancellationToken cancellationToken)
    {
        var started = timeProvider.GetTimestamp();
        try
        {
            using var channel = await ProxyConnector.ConnectAsync(context.EndPoint, cancellationToken).ConfigureAwait(false);
            var detail = context.Protocol switch
            {
                "socks5" => await ProxyConnector.Socks5Async(channel, context, Judge, cancellationToken).ConfigureAwait(false),
                "socks4" => await ProxyConnector.Socks4Async(channel, context, Judge!, cancellationToken).ConfigureAwait(false),
                "http" => await HttpAsync(channel, context, Judge!, cancellationToken).ConfigureAwait(false),
                "https" => await ConnectOnlyAsync(channel, context, Judge!, cancellationToken).ConfigureAwait(false),
                _ => throw new ProxyCheckFailure($"unknown protocol '{context.Protocol}'"),
            };
            context.Findings.ProtocolConfirmed = true;
            return ProxyCheckResult.Pass(timeProvider.GetElapsedTime(started), detail);
        }
        catch (ProxyCheckFailure failure)
        {
            if (failure.WrongProtocol)
            {
                context.Findings.ProtocolConfirmed = false;
                return ProxyCheckResult.Fail(failure.Detail, timeProvider.GetElapsedTime(started));
            }

            return await JudgeDownAsync(cancellationToken).ConfigureAwait(false) ?? ProxyCheckResult.Fail(failure.Detail, timeProvider.GetElapsedTime(started));
        }
        catch (Exception exception) when (exception is SocketException or IOException && !cancellationToken.IsCancellationRequested)
        {
            return ProxyCheckResult.Fail(ProxyCheckFailure.Describe(exception), timeProvider.GetElapsedTime(started));
        }
    }

    // The handshake's destination is the judge: when the judge does not answer us directly either, a failed tunnel says
    // nothing about the proxy.
    private async Task<ProxyCheckResult?> JudgeDownAsync(CancellationToken cancellationToken)
    {
        if (Judge is not { } judge)
        {
            return null;
        }

        try
        {
            return await baselines.GetAsync(judge, cancellationToken).ConfigureAwait(false) is null
                ? ProxyCheckResult.Inconclusive($"judge {judge} unavailable: a direct request to it failed")
                : null;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return null;
        }
    }

    private static async Task<string> HttpAsync(ProxyChannel channel, ProxyCheckContext context, JudgeTarget judge, CancellationToken cancellationToken)
    {
        await ProxyConnector.SendJudgeRequestAsync(channel, judge, ProxyConnector.NewToken(), absolute: true, context, cancellationToken).ConfigureAwait(false);
        await ProxyConnector.ThrowIfNotHttpAsync(channel, cancellationToken).ConfigureAwait(false);
        var head = await channel.Reader.ReadHeadAsync(cancellationToken).ConfigureAwait(false);
        if (head.StatusCode is >= 200 and <= 299)
        {
            return $"HTTP forwarding OK (HTTP {head.StatusCode})";
        }

        if (head.StatusCode == 407)
        {
            throw new ProxyCheckFailure(ProxyConnector.HttpRefusal("GET", 407, context));
        }

        // Some proxies only tunnel (CONNECT) and refuse absolute-form requests.
        using var tunnel = await ProxyConnector.ConnectAsync(context.EndPoint, cancellationToken).ConfigureAwait(false);
        var status = await ProxyConnector.HttpConnectAsync(tunnel, context, judge, cancellationToken).ConfigureAwait(false);
        return status is >= 200 and <= 299
            ? $"HTTP CONNECT OK (GET refused with HTTP {head.StatusCode})"
            : throw new ProxyCheckFailure($"proxy refused GET (HTTP {head.StatusCode}) and CONNECT (HTTP {status})");
    }

    private static async Task<string> ConnectOnlyAsync(ProxyChannel channel, ProxyCheckContext context, JudgeTarget judge, CancellationToken cancellationToken)
    {
        var status = await ProxyConnector.HttpConnectAsync(channel, context, judge, cancellationToken).ConfigureAwait(false);
        return status is >= 200 and <= 299 ? "HTTP CONNECT OK" : throw new ProxyCheckFailure(ProxyConnector.HttpRefusal("CONNECT", status, context));
    }
}
