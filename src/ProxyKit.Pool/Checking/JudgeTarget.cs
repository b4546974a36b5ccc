using System.Globalization;
using System.Net;

namespace ProxyKit.Pool.Checking;

/// <summary>A parsed judge URL.</summary>
internal sealed class JudgeTarget
{
    private JudgeTarget(Uri url, string host, int port, IPAddress? address)
    {
        Url = url;
        Host = host;
        Port = port;
        Address = address;
        var bracketed = address is { AddressFamily: System.Net.Sockets.AddressFamily.InterNetworkV6 } ? "[" + host + "]" : host;
        Authority = bracketed + ":" + port.ToString(CultureInfo.InvariantCulture);
        HostHeader = port == 80 ? bracketed : Authority;
    }

    public Uri Url { get; }

    /// <summary>Gets the host name or address literal (IPv6 without brackets).</summary>
    public string Host { get; }

    public int Port { get; }

    /// <summary>Gets the address when the URL names one literally.</summary>
    public IPAddress? Address { get; }

    /// <summary>Gets <c>host:port</c> (IPv6 in brackets), the CONNECT target.</summary>
    public string Authority { get; }

    public string HostHeader { get; }

    public static bool TryCreate(string? text, out JudgeTarget target)
    {
        target = null!;
        if (!Uri.TryCreate(text, UriKind.Absolute, out var url)
            || url.Scheme != Uri.UriSchemeHttp
            || url.UserInfo.Length > 0
            || url.Fragment.Length > 0
            || string.IsNullOrEmpty(url.IdnHost))
        {
            return false;
        }

        var host = url.IdnHost.Trim('[', ']');
        target = new JudgeTarget(url, host, url.Port, IPAddress.TryParse(host, out var address) ? address : null);
        return true;
    }

    /// <summary>Returns the request target: origin form (<c>/path?query</c>) or absolute form (for an HTTP proxy), with the token.</summary>
    public string RequestTarget(string token, bool absolute)
    {
        var pathAndQuery = Url.PathAndQuery;
        var separator = pathAndQuery.Contains('?', StringComparison.Ordinal) ? "&" : "?";
        var origin = pathAndQuery + separator + AnonymityJudge.TokenQueryName + "=" + token;
        return absolute ? "http://" + HostHeader + origin : origin;
    }

    public override string ToString() => Authority;
}
