using System.Net;
using System.Text.Json;

namespace ProxyKit.Pool.Checking;

/// <summary>A parsed <see cref="AnonymityJudge"/> echo.</summary>
internal sealed record JudgeEcho(IPAddress? RemoteAddress, IReadOnlyDictionary<string, string> Headers, string? Token)
{
    public static JudgeEcho? TryParse(ReadOnlySpan<byte> json)
    {
        try
        {
            var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = 8 });
            using var document = JsonDocument.ParseValue(ref reader);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object
                || !root.TryGetProperty("headers", out var headersElement)
                || headersElement.ValueKind != JsonValueKind.Object)
            {
                return null;
            }

            IPAddress? remote = null;
            if (root.TryGetProperty("remote_address", out var remoteElement) && remoteElement.ValueKind == JsonValueKind.String
                && IPAddress.TryParse(remoteElement.GetString(), out var parsed))
            {
                remote = parsed.IsIPv4MappedToIPv6 ? parsed.MapToIPv4() : parsed;
            }

            var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            foreach (var property in headersElement.EnumerateObject())
            {
                headers[property.Name] = property.Value.ValueKind == JsonValueKind.String ? property.Value.GetString() ?? "" : property.Value.GetRawText();
            }

            var token = root.TryGetProperty("token", out var tokenElement) && tokenElement.ValueKind == JsonValueKind.String
                ? tokenElement.GetString()
                : null;
            return new JudgeEcho(remote, headers, token);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
