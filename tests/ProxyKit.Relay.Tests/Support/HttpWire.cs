using System.Globalization;
using System.Text;

namespace ProxyKit.Relay.Tests.Support;

/// <summary>A response as read off the wire by a raw client: the head, the decoded body and the body bytes exactly as they came.</summary>
internal sealed record HttpWireResponse(HttpHead Head, byte[] Body, byte[] RawBody)
{
    public int StatusCode => int.Parse(Head.StartLineParts[1], CultureInfo.InvariantCulture);

    public string BodyText => Encoding.UTF8.GetString(Body);
}

/// <summary>HTTP/1.1 message bodies on the wire, shared by the test server and the raw test client.</summary>
internal static class HttpWire
{
    /// <summary>Reads a body framed by <paramref name="head"/> (chunked, Content-Length, or to the end when <paramref name="untilCloseAllowed"/>).</summary>
    public static async Task<(byte[] Body, byte[] Raw)> ReadBodyAsync(ByteReader reader, HttpHead head, bool untilCloseAllowed, CancellationToken cancellationToken)
    {
        if (head.HasToken("Transfer-Encoding", "chunked"))
        {
            return await ReadChunkedAsync(reader, cancellationToken);
        }

        if (head.Get("Content-Length") is { } length)
        {
            var body = await reader.ReadExactAsync(int.Parse(length, CultureInfo.InvariantCulture), cancellationToken);
            return (body, body);
        }

        if (untilCloseAllowed)
        {
            var rest = await reader.ReadToEndAsync(cancellationToken);
            return (rest, rest);
        }

        return ([], []);
    }

    public static async Task<HttpWireResponse> ReadResponseAsync(ByteReader reader, bool isHead, CancellationToken cancellationToken)
    {
        while (true)
        {
            var raw = await reader.ReadHeadAsync(cancellationToken) ?? throw new EndOfStreamException("The connection closed before a response.");
            var head = HttpHead.Parse(raw);
            var code = int.Parse(head.StartLineParts[1], CultureInfo.InvariantCulture);
            if (code is >= 100 and < 200)
            {
                continue;
            }

            if (isHead || code is 204 or 304)
            {
                return new HttpWireResponse(head, [], []);
            }

            var (body, rawBody) = await ReadBodyAsync(reader, head, untilCloseAllowed: true, cancellationToken);
            return new HttpWireResponse(head, body, rawBody);
        }
    }

    private static async Task<(byte[] Body, byte[] Raw)> ReadChunkedAsync(ByteReader reader, CancellationToken cancellationToken)
    {
        using var body = new MemoryStream();
        using var rawBytes = new MemoryStream();
        while (true)
        {
            var line = await reader.ReadLineAsync(cancellationToken);
            Append(rawBytes, line + "\r\n");
            var sizeText = line.Split(';')[0].Trim();
            var size = int.Parse(sizeText, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture);
            if (size == 0)
            {
                while (true)
                {
                    var trailer = await reader.ReadLineAsync(cancellationToken);
                    Append(rawBytes, trailer + "\r\n");
                    if (trailer.Length == 0)
                    {
                        return (body.ToArray(), rawBytes.ToArray());
                    }
                }
            }

            var data = await reader.ReadExactAsync(size, cancellationToken);
            body.Write(data);
            rawBytes.Write(data);
            var crlf = await reader.ReadExactAsync(2, cancellationToken);
            rawBytes.Write(crlf);
            if (crlf[0] != '\r' || crlf[1] != '\n')
            {
                throw new InvalidDataException("A chunk is not followed by CRLF.");
            }
        }
    }

    private static void Append(MemoryStream stream, string text) => stream.Write(Encoding.Latin1.GetBytes(text));
}
