using System.Buffers;
using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using ProxyKit.Pool.Parsing;

namespace ProxyKit.Cli.Commands;

/// <summary>
/// <c>proxykit parse</c>: runs one proxy list through the pool's source parsers (the one named, or the one that
/// recognises the content) and prints the proxies found, as lines or as JSON.
/// </summary>
internal sealed class ParseCommand : Command
{
    /// <summary>What <c>FILE</c> is to read standard input.</summary>
    public const string StandardInput = "-";

    private const int FlushThreshold = 32 * 1024;

    private static readonly string[] Protocols = ["http", "https", "socks4", "socks5"];

    private readonly Argument<string> _file = new("FILE")
    {
        Description = "The proxy list to parse; - reads standard input.",
    };

    private readonly Option<string?> _parser = new("--parser")
    {
        Description = "Parser to use (plaintext, json, csv, html, ...). Default: the first that recognises the content and file name.",
        HelpName = "NAME",
    };

    private readonly Option<string?> _defaultProtocol = new("--default-protocol")
    {
        Description = "Protocol given to proxies whose record states none (socks5h and socks4a count as socks5 and socks4). Default: none.",
        HelpName = string.Join('|', Protocols),
    };

    private readonly Option<bool> _json = new("--json")
    {
        Description = "Print {\"proxies\":[...],\"rejected\":N,\"duplicates\":M} instead of one proxy per line and a summary.",
    };

    private readonly Func<ProxyParserRegistry>? _registry;
    private readonly Func<Stream> _openStandardInput;

    /// <param name="registry">Builds the parsers to use; by default the ones <c>AddProxyKitPool()</c> registers.</param>
    /// <param name="openStandardInput">Opens what <c>-</c> reads; by default the process's standard input.</param>
    public ParseCommand(Func<ProxyParserRegistry>? registry = null, Func<Stream>? openStandardInput = null)
        : base("parse", "Parse a proxy list with the pool's source parsers and print the proxies found (one per line, or --json).")
    {
        _registry = registry;
        _openStandardInput = openStandardInput ?? Console.OpenStandardInput;
        _file.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<string>().Length == 0)
            {
                result.AddError("FILE must not be empty; give a path, or - for standard input.");
            }
        });
        _defaultProtocol.CompletionSources.Add(Protocols);
        _defaultProtocol.Validators.Add(result =>
        {
            var given = result.GetValueOrDefault<string?>();
            if (given is not null && !ProxyFields.TryNormalizeScheme(given, out _))
            {
                result.AddError($"--default-protocol: '{given}' is not one of {string.Join(", ", Protocols)}.");
            }
        });
        Arguments.Add(_file);
        Options.Add(_parser);
        Options.Add(_defaultProtocol);
        Options.Add(_json);
        SetAction(RunAsync);
    }

    /// <summary>Maps a successfully parsed command line to what the command does.</summary>
    internal ParseSettings CreateSettings(ParseResult parse)
    {
        var defaultProtocol = parse.GetValue(_defaultProtocol) is { } given && ProxyFields.TryNormalizeScheme(given, out var normalized) ? normalized : null;
        return new ParseSettings(parse.GetRequiredValue(_file), parse.GetValue(_parser), defaultProtocol, parse.GetValue(_json));
    }

    /// <summary>Formats a proxy as a line of a plain-text list that the <c>plaintext</c> parser reads back to the same proxy.</summary>
    /// <remarks>
    /// <c>protocol://[user:pass@]ip:port</c> with IPv6 in brackets and the credentials percent-encoded, as in a URL.
    /// Without a protocol the scheme is left out (<c>[user:pass@]ip:port</c>) rather than made up; the plaintext parser
    /// takes scheme-less credentials verbatim, so they are written verbatim too (credentials holding <c>:</c>, <c>@</c>
    /// or whitespace then do not read back: use <c>--default-protocol</c> or <c>--json</c>).
    /// </remarks>
    internal static string Format(ParsedProxy proxy)
    {
        var text = new StringBuilder(64);
        Func<string, string> credential = proxy.Protocol is null ? static c => c : Uri.EscapeDataString;
        if (proxy.Protocol is not null)
        {
            text.Append(proxy.Protocol).Append("://");
        }

        if (proxy.Username is not null)
        {
            text.Append(credential(proxy.Username));
            if (proxy.Password is not null)
            {
                text.Append(':').Append(credential(proxy.Password));
            }

            text.Append('@');
        }

        var bracketed = proxy.Ip.Contains(':', StringComparison.Ordinal);
        return text.Append(bracketed ? "[" : string.Empty).Append(proxy.Ip).Append(bracketed ? "]" : string.Empty)
            .Append(':').Append(proxy.Port.ToString(CultureInfo.InvariantCulture)).ToString();
    }

    // The parsers a host gets from AddProxyKitPool(), owned by a provider that lives as long as the command runs.
    private static ServiceProvider CreateServices()
    {
        var services = new ServiceCollection();
        services.AddProxyKitPool();
        return services.BuildServiceProvider();
    }

    private static ProxyParserRegistry ResolveRegistry(IServiceProvider services) =>
        services.GetService<ProxyParserRegistry>() ?? new ProxyParserRegistry(services.GetServices<IProxySourceParser>());

    private static async Task WriteLinesAsync(ProxyParseContext context, TextWriter output, CancellationToken cancellationToken)
    {
        var chunk = new StringBuilder(FlushThreshold + 256);
        foreach (var proxy in context.Proxies)
        {
            chunk.Append(Format(proxy)).Append('\n');
            if (chunk.Length >= FlushThreshold)
            {
                await output.WriteAsync(chunk, cancellationToken);
                chunk.Clear();
            }
        }

        await output.WriteAsync(chunk, cancellationToken);
        await output.FlushAsync(cancellationToken);
    }

    // Written in chunks as it goes: a long list never becomes one string. The relaxed encoder leaves '+', '&', '<' and
    // non-ASCII text in credentials as they are (the output is not embedded in HTML).
    private static async Task WriteJsonAsync(ProxyParseContext context, TextWriter output, CancellationToken cancellationToken)
    {
        var buffer = new ArrayBufferWriter<byte>(FlushThreshold + 1024);
        await using var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
        json.WriteStartObject();
        json.WriteStartArray("proxies");
        foreach (var proxy in context.Proxies)
        {
            json.WriteStartObject();
            json.WriteString("ip", proxy.Ip);
            json.WriteNumber("port", proxy.Port);
            json.WriteString("protocol", proxy.Protocol); // null writes JSON null
            json.WriteString("username", proxy.Username);
            json.WriteString("password", proxy.Password);
            json.WriteEndObject();
            if (json.BytesPending >= FlushThreshold)
            {
                await DrainAsync(json, buffer, output, cancellationToken);
            }
        }

        json.WriteEndArray();
        json.WriteNumber("rejected", context.Rejected);
        json.WriteNumber("duplicates", context.Duplicates);
        json.WriteEndObject();
        await DrainAsync(json, buffer, output, cancellationToken);
        await output.WriteAsync('\n');
        await output.FlushAsync(cancellationToken);
    }

    // Flush ends at a token boundary, so the bytes are always whole UTF-8 characters.
    private static async Task DrainAsync(Utf8JsonWriter json, ArrayBufferWriter<byte> buffer, TextWriter output, CancellationToken cancellationToken)
    {
        await json.FlushAsync(cancellationToken);
        var text = Encoding.UTF8.GetString(buffer.WrittenSpan);
        buffer.ResetWrittenCount();
        await output.WriteAsync(text.AsMemory(), cancellationToken);
    }

    private async Task<int> RunAsync(ParseResult parse, CancellationToken cancellationToken)
    {
        var output = parse.InvocationConfiguration.Output;
        var error = parse.InvocationConfiguration.Error;
        var settings = CreateSettings(parse);
        await using var services = _registry is null ? CreateServices() : null;
        var registry = _registry is null ? ResolveRegistry(services!) : _registry();
        if (settings.ParserName is { } name && registry.Find(name) is null)
        {
            var known = registry.Parsers.Count == 0 ? "no parsers are registered" : $"known parsers: {KnownNames(registry)}";
            await error.WriteLineAsync($"proxykit parse: --parser: '{name}' is not a parser; {known}.");
            await error.WriteLineAsync("Run 'proxykit parse --help' for usage.");
            return ExitCodes.Usage;
        }

        var source = settings.File == StandardInput ? "standard input" : $"'{settings.File}'";
        (ProxyParseContext Context, IProxySourceParser Parser)? result;
        try
        {
            await using var input = Open(settings.File);
            var fileName = settings.File == StandardInput ? null : Path.GetFileName(settings.File);
            result = await registry.ParseAsync(input, settings.ParserName, settings.DefaultProtocol, contentType: null, fileName, cancellationToken);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            await error.WriteLineAsync($"proxykit parse: cannot read {source}: {ex.Message}");
            return ExitCodes.Failure;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // A parser is meant to report bad records rather than throw; whatever still escapes is reported in one line.
            var parser = settings.ParserName is null ? "parsing" : $"the {settings.ParserName} parser";
            await error.WriteLineAsync($"proxykit parse: {parser} failed on {source}: {ex.GetType().Name}: {ex.Message}");
            return ExitCodes.Failure;
        }

        if (result is not { } found)
        {
            await error.WriteLineAsync(
                $"proxykit parse: no parser recognises {source} (tried {KnownNames(registry)}); name one with --parser.");
            return ExitCodes.Unsupported;
        }

        if (settings.Json)
        {
            await WriteJsonAsync(found.Context, output, cancellationToken);
        }
        else
        {
            await WriteLinesAsync(found.Context, output, cancellationToken);
            await error.WriteLineAsync(string.Create(
                CultureInfo.InvariantCulture,
                $"{found.Context.Proxies.Count} proxies, {found.Context.Rejected} rejected, {found.Context.Duplicates} duplicates (parser {found.Parser.Name})"));
        }

        return ExitCodes.Success;
    }

    private Stream Open(string file)
    {
        if (file == StandardInput)
        {
            return _openStandardInput();
        }

        // FileStream opens a directory on some platforms and fails only on the first read; say what it is up front.
        if (Directory.Exists(file))
        {
            throw new IOException("it is a directory, not a file.");
        }

        return new FileStream(file, new FileStreamOptions
        {
            Mode = FileMode.Open,
            Access = FileAccess.Read,
            Share = FileShare.Read,
            Options = FileOptions.Asynchronous | FileOptions.SequentialScan,
        });
    }

    private static string KnownNames(ProxyParserRegistry registry) =>
        string.Join(", ", registry.Parsers.Select(p => p.Name).Order(StringComparer.OrdinalIgnoreCase));
}
