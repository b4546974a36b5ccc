namespace ProxyKit.Relay.Tests.Support;

/// <summary>A parsed HTTP/1.x head as the test servers and raw clients see it.</summary>
internal sealed record HttpHead(string StartLine, IReadOnlyList<KeyValuePair<string, string>> Headers, string Raw)
{
    public string[] StartLineParts => StartLine.Split(' ', 3);

    public static HttpHead Parse(string raw)
    {
        var lines = raw.Split("\r\n");
        var headers = new List<KeyValuePair<string, string>>();
        foreach (var line in lines.Skip(1).Where(l => l.Length > 0))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0)
            {
                throw new InvalidDataException($"Bad header line '{line}'.");
            }

            headers.Add(KeyValuePair.Create(line[..colon], line[(colon + 1)..].Trim()));
        }

        return new HttpHead(lines[0], headers, raw);
    }

    public string? Get(string name) => Headers.FirstOrDefault(h => string.Equals(h.Key, name, StringComparison.OrdinalIgnoreCase)).Value;

    public bool Has(string name) => Headers.Any(h => string.Equals(h.Key, name, StringComparison.OrdinalIgnoreCase));

    public bool HasToken(string name, string token) => Headers.Any(h =>
        string.Equals(h.Key, name, StringComparison.OrdinalIgnoreCase)
        && h.Value.Split(',', StringSplitOptions.TrimEntries).Contains(token, StringComparer.OrdinalIgnoreCase));
}
