using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Options;

namespace ProxyKit.Pool.Checking;

/// <summary>
/// Stage 3: requests every configured judge through the proxy with a fresh random token (query and header) and reads
/// the echo. The token must come back intact (a canned page or an altered answer fails). The echo is compared with the
/// judge's baseline for a direct request: <c>transparent</c> when one of our addresses shows (as a parsed address in a
/// header the proxy added or changed, or as the exit address), <c>anonymous</c> when the proxy added or changed a
/// proxy header (Via, X-Forwarded-For, Forwarded, ...), else <c>elite</c>. The worst judge wins.
/// </summary>
internal sealed class HttpAnonymityChecker : IProxyChecker, IConditionalProxyChecker
{
    private static readonly HashSet<string> ProxyHeaders = new(StringComparer.OrdinalIgnoreCase)
    {
        "Via", "Forwarded", "Forwarded-For", "X-Forwarded-For", "X-Forwarded-Host", "X-Forwarded-Proto", "X-Forwarded-Port",
        "X-Forwarded-Server", "X-Forwarded", "X-Real-IP", "Client-IP", "X-Client-IP", "X-Cluster-Client-IP", "True-Client-IP",
        "X-Originating-IP", "X-Remote-IP", "X-Remote-Addr", "X-ProxyUser-IP", "X-Proxy-ID", "Proxy-Connection", "Proxy-Agent",
        "X-BlueCoat-Via", "X-Via", "CF-Connecting-IP", "Fastly-Client-IP", "X-Coming-From", "Coming-From", "X-Host",
    };

    private readonly Lazy<Settings> _settings;
    private readonly JudgeBaselines _baselines;
    private readonly TimeProvider _timeProvider;

    public HttpAnonymityChecker(IOptions<PoolOptions> options, JudgeBaselines baselines, TimeProvider timeProvider)
    {
        // Read on first use: checkers are built while the options are being validated (duplicate names).
        _settings = new(() =>
        {
            var checking = options.Value.Checking;
            return new Settings(
                [.. (checking.JudgeUrls ?? []).Select(url => JudgeTarget.TryCreate(url, out var judge) ? judge : null).OfType<JudgeTarget>()],
                [.. (checking.OwnAddresses ?? []).Select(a => IPAddress.TryParse(a, out var ip) ? Normalize(ip) : null).OfType<IPAddress>()],
                checking.MaxJudgeBodyBytes);
        });
        _baselines = baselines;
        _timeProvider = timeProvider;
    }

    private JudgeTarget[] Judges => _settings.Value.Judges;

    private HashSet<IPAddress> OwnAddresses => _settings.Value.OwnAddresses;

    private int MaxBodyBytes => _settings.Value.MaxBodyBytes;

    public string Name => "http_anonymity";

    public int Stage => 3;

    public int Priority => 0;

    public bool AppliesTo(ProxyCheckContext context) => Judges.Length > 0;

    public async ValueTask<ProxyCheckResult> CheckAsync(ProxyCheckContext context, CancellationToken cancellationToken)
    {
        TimeSpan? latency = null;
        IPAddress? exit = null;
        (string Level, string Reason)? worst = null;
        foreach (var judge in Judges)
        {
            var baseline = await _baselines.GetAsync(judge, cancellationToken).ConfigureAwait(false);
            if (baseline is null)
            {
                return ProxyCheckResult.Inconclusive($"judge {judge} unavailable: a direct request to it failed");
            }

            var started = _timeProvider.GetTimestamp();
            var token = ProxyConnector.NewToken();
            JudgeEcho echo;
            try
            {
                echo = await RequestAsync(context, judge, token, cancellationToken).ConfigureAwait(false);
            }
            catch (ProxyCheckFailure failure)
            {
                return ProxyCheckResult.Fail(failure.Detail, _timeProvider.GetElapsedTime(started));
            }
            catch (Exception exception) when (exception is SocketException or IOException && !cancellationToken.IsCancellationRequested)
            {
                return ProxyCheckResult.Fail(ProxyCheckFailure.Describe(exception), _timeProvider.GetElapsedTime(started));
            }

            latency ??= _timeProvider.GetElapsedTime(started);
            if (echo.Token != token || !echo.Headers.TryGetValue(AnonymityJudge.TokenHeaderName, out var echoedHeader) || echoedHeader != token)
            {
                return ProxyCheckResult.Fail(echo.Token is null
                    ? "token missing: the answer did not come from the judge (canned page)"
                    : "token mismatch: the proxy altered the request or the answer", latency);
            }

            var own = new HashSet<IPAddress>(OwnAddresses);
            if (baseline.RemoteAddress is { } seen)
            {
                own.Add(Normalize(seen));
            }

            var verdict = Classify(echo, baseline, own);
            exit ??= echo.RemoteAddress;
            if (worst is null || Rank(verdict.Level) > Rank(worst.Value.Level))
            {
                worst = verdict;
            }
        }

        context.Findings.ExitIp = exit;
        context.Findings.Anonymity = worst!.Value.Level;
        return ProxyCheckResult.Pass(latency, $"{worst.Value.Level}: {worst.Value.Reason}; exit {exit?.ToString() ?? "unknown"}");
    }

    /// <summary>Classifies one echo against the judge's baseline and our own addresses.</summary>
    internal static (string Level, string Reason) Classify(JudgeEcho echo, JudgeBaseline baseline, IReadOnlySet<IPAddress> ownAddresses)
    {
        if (echo.RemoteAddress is { } exit && ownAddresses.Contains(Normalize(exit)))
        {
            return ("transparent", "the judge saw our own address");
        }

        string? proxyHeader = null;
        foreach (var (name, value) in echo.Headers)
        {
            if (string.Equals(name, AnonymityJudge.TokenHeaderName, StringComparison.OrdinalIgnoreCase)
                || (baseline.Headers.TryGetValue(name, out var direct) && direct == value))
            {
                continue; // Sent by us (or the judge's own front end) unchanged.
            }

            if (ParseAddresses(value).FirstOrDefault(ownAddresses.Contains) is not null)
            {
                return ("transparent", $"{name} shows our address");
            }

            if (proxyHeader is null && IsProxyHeader(name))
            {
                proxyHeader = name;
            }
        }

        return proxyHeader is null ? ("elite", "no proxy headers") : ("anonymous", $"{proxyHeader} added");
    }

    /// <summary>Finds address literals in a header value: lists, <c>for=</c> pairs, quoted, bracketed, with ports.</summary>
    internal static IEnumerable<IPAddress> ParseAddresses(string value)
    {
        foreach (var raw in value.Split([',', ';', ' ', '\t', '"', '=', '(', ')'], StringSplitOptions.RemoveEmptyEntries))
        {
            var token = raw;
            if (token.StartsWith('['))
            {
                var close = token.IndexOf(']', StringComparison.Ordinal);
                token = close > 0 ? token[1..close] : token[1..];
            }
            else if (token.Count(c => c == ':') == 1 && token.Contains('.', StringComparison.Ordinal))
            {
                token = token[..token.IndexOf(':', StringComparison.Ordinal)]; // a.b.c.d:port
            }

            var plausible = token.Contains(':', StringComparison.Ordinal) || token.Count(c => c == '.') == 3;
            if (plausible && IPAddress.TryParse(token, out var address))
            {
                yield return Normalize(address);
            }
        }
    }

    private static bool IsProxyHeader(string name) =>
        ProxyHeaders.Contains(name)
        || name.Contains("forwarded", StringComparison.OrdinalIgnoreCase)
        || name.Contains("client-ip", StringComparison.OrdinalIgnoreCase)
        || name.Contains("real-ip", StringComparison.OrdinalIgnoreCase)
        || name.StartsWith("proxy-", StringComparison.OrdinalIgnoreCase)
        || name.StartsWith("x-proxy", StringComparison.OrdinalIgnoreCase);

    private static int Rank(string level) => level switch { "transparent" => 2, "anonymous" => 1, _ => 0 };

    private static IPAddress Normalize(IPAddress address) => address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;

    private async Task<JudgeEcho> RequestAsync(ProxyCheckContext context, JudgeTarget judge, string token, CancellationToken cancellationToken)
    {
        ProxyChannel? channel = null;
        try
        {
            HttpResponseHead head;
            if (context.Protocol == "http")
            {
                channel = await ProxyConnector.ConnectAsync(context.EndPoint, cancellationToken).ConfigureAwait(false);
                await ProxyConnector.SendJudgeRequestAsync(channel, judge, token, absolute: true, context, cancellationToken).ConfigureAwait(false);
                await ProxyConnector.ThrowIfNotHttpAsync(channel, cancellationToken).ConfigureAwait(false);
                head = await channel.Reader.ReadHeadAsync(cancellationToken).ConfigureAwait(false);
                if (head.StatusCode == 407)
                {
                    throw new ProxyCheckFailure(ProxyConnector.HttpRefusal("GET", 407, context));
                }

                if (head.StatusCode is < 200 or > 299)
                {
                    // A CONNECT-only proxy: ask the judge through a tunnel instead.
                    channel.Dispose();
                    channel = null;
                    (channel, head) = await TunnelAsync(context, judge, token, cancellationToken).ConfigureAwait(false);
                }
            }
            else
            {
                (channel, head) = await TunnelAsync(context, judge, token, cancellationToken).ConfigureAwait(false);
            }

            if (head.StatusCode is < 200 or > 299)
            {
                throw new ProxyCheckFailure($"the judge request through the proxy answered HTTP {head.StatusCode.ToString(CultureInfo.InvariantCulture)}");
            }

            var body = await channel.Reader.ReadBodyAsync(head, MaxBodyBytes, cancellationToken).ConfigureAwait(false);
            return JudgeEcho.TryParse(body) ?? new JudgeEcho(null, new Dictionary<string, string>(), null);
        }
        finally
        {
            channel?.Dispose();
        }
    }

    private static async Task<(ProxyChannel Channel, HttpResponseHead Head)> TunnelAsync(
        ProxyCheckContext context, JudgeTarget judge, string token, CancellationToken cancellationToken)
    {
        var channel = await ProxyConnector.OpenTunnelAsync(context, judge, cancellationToken).ConfigureAwait(false);
        try
        {
            await ProxyConnector.SendJudgeRequestAsync(channel, judge, token, absolute: false, context, cancellationToken).ConfigureAwait(false);
            return (channel, await channel.Reader.ReadHeadAsync(cancellationToken).ConfigureAwait(false));
        }
        catch
        {
            channel.Dispose();
            throw;
        }
    }

    private sealed record Settings(JudgeTarget[] Judges, HashSet<IPAddress> OwnAddresses, int MaxBodyBytes);
}
