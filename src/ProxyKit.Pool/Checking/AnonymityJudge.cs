using System.Net;
using System.Text.Json;

namespace ProxyKit.Pool.Checking;

/// <summary>
/// The judge protocol shared by the <c>http_anonymity</c> checker and judge servers (the sample server's
/// <c>GET /judge</c>). The checker requests the judge through the proxy with a random token in the query
/// (<see cref="TokenQueryName"/>) and in a header (<see cref="TokenHeaderName"/>); the judge answers with
/// <c>{ "remote_address": "...", "headers": { "Name": "value" }, "token": "..." }</c>, describing exactly what reached it.
/// A proxy that answers with a canned page or alters the answer loses or changes the token.
/// </summary>
public static class AnonymityJudge
{
    /// <summary>The query parameter carrying the check's token.</summary>
    public const string TokenQueryName = "proxykit_token";

    /// <summary>The request header carrying the check's token (echoed back among the headers).</summary>
    public const string TokenHeaderName = "X-ProxyKit-Token";

    /// <summary>The echo's content type.</summary>
    public const string ContentType = "application/json";

    /// <summary>The longest token a judge echoes; longer ones are echoed as <see langword="null"/>.</summary>
    public const int MaxTokenLength = 128;

    /// <summary>
    /// Writes the JSON echo of a request: the address the judge saw, every header (repeated names joined with
    /// <c>", "</c>, first spelling kept) and the query token.
    /// </summary>
    /// <param name="remoteAddress">The address the request came from (the proxy's exit), if known.</param>
    /// <param name="headers">The request headers as received.</param>
    /// <param name="token">The value of the <see cref="TokenQueryName"/> query parameter, if present.</param>
    /// <returns>The UTF-8 JSON body.</returns>
    public static byte[] CreateEcho(IPAddress? remoteAddress, IEnumerable<KeyValuePair<string, string?>> headers, string? token)
    {
        ArgumentNullException.ThrowIfNull(headers);
        var merged = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var order = new List<string>();
        foreach (var (name, value) in headers)
        {
            if (string.IsNullOrEmpty(name))
            {
                continue;
            }

            if (merged.TryGetValue(name, out var existing))
            {
                merged[name] = existing + ", " + value;
            }
            else
            {
                merged[name] = value ?? "";
                order.Add(name);
            }
        }

        var buffer = new System.Buffers.ArrayBufferWriter<byte>(512);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            var address = remoteAddress is { IsIPv4MappedToIPv6: true } ? remoteAddress.MapToIPv4() : remoteAddress;
            writer.WriteString("remote_address", address?.ToString());
            writer.WriteStartObject("headers");
            foreach (var name in order)
            {
                writer.WriteString(name, merged[name]);
            }

            writer.WriteEndObject();
            if (token is { Length: > 0 and <= MaxTokenLength })
            {
                writer.WriteString("token", token);
            }
            else
            {
                writer.WriteNull("token");
            }

            writer.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }
}
