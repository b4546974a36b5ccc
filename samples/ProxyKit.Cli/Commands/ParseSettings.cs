namespace ProxyKit.Cli.Commands;

/// <summary>What one <c>proxykit parse</c> run does.</summary>
/// <param name="File">The path to read, or <c>-</c> for standard input.</param>
/// <param name="ParserName">The parser named with <c>--parser</c>, or <see langword="null"/> to detect one.</param>
/// <param name="DefaultProtocol">The normalised <c>--default-protocol</c> (http, https, socks4 or socks5), or <see langword="null"/>.</param>
/// <param name="Json">Whether to print JSON.</param>
internal sealed record ParseSettings(string File, string? ParserName, string? DefaultProtocol, bool Json);
