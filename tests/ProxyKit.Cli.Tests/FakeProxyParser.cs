using System.Globalization;
using System.Text;
using ProxyKit.Pool.Parsing;

namespace ProxyKit.Cli.Tests;

/// <summary>
/// A test double for the pool's parsers, so the command's own logic is tested without them: each line is
/// <c>ip,port,protocol,username,password</c> (empty fields are null); <c>throw</c> throws; anything else is rejected.
/// </summary>
internal sealed class FakeProxyParser(string name, Func<ProxyDocumentProbe, bool>? supports = null) : IProxySourceParser
{
    public string Name => name;

    public ProxyDocumentProbe? LastProbe { get; private set; }

    public bool Supports(ProxyDocumentProbe probe)
    {
        LastProbe = probe;
        return supports?.Invoke(probe) ?? true;
    }

    public async ValueTask ParseAsync(Stream content, ProxyParseContext context, CancellationToken cancellationToken = default)
    {
        using var reader = new StreamReader(content, Encoding.UTF8, detectEncodingFromByteOrderMarks: true, leaveOpen: true);
        while (await reader.ReadLineAsync(cancellationToken) is { } line)
        {
            if (line == "throw")
            {
                throw new InvalidDataException("the fake parser gave up");
            }

            var fields = line.Split(',');
            if (fields.Length == 5 && int.TryParse(fields[1], NumberStyles.None, CultureInfo.InvariantCulture, out var port))
            {
                context.Add(new ParsedProxy(fields[0], port, NullIfEmpty(fields[2]), NullIfEmpty(fields[3]), NullIfEmpty(fields[4])));
            }
            else if (line.Length > 0)
            {
                context.Reject();
            }
        }
    }

    private static string? NullIfEmpty(string field) => field.Length == 0 ? null : field;
}
