using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Logging;
using ProxyKit.Relay.Egress;
using ProxyKit.Relay.Listeners;

namespace ProxyKit.Cli.Commands;

/// <summary>
/// <c>proxykit relay</c>: runs one SOCKS5/HTTP listener in the foreground until SIGINT or SIGTERM, then drains it
/// and prints its stats.
/// </summary>
internal sealed class RelayCommand : Command
{
    private static readonly (string Name, RelayProtocol Value)[] Protocols =
        [("socks5", RelayProtocol.Socks5), ("http", RelayProtocol.Http), ("mixed", RelayProtocol.Mixed)];

    private static readonly (string Name, EgressAddressPolicy Value)[] Policies =
        [("ipv6-only", EgressAddressPolicy.IPv6Only), ("dual", EgressAddressPolicy.DualStack), ("ipv4-only", EgressAddressPolicy.IPv4Only)];

    private readonly Option<IPEndPoint> _listen = new("--listen")
    {
        Description = "Address and port to listen on; IPv6 in brackets ([::1]:1080); port 0 lets the OS choose.",
        HelpName = "ADDR:PORT",
        DefaultValueFactory = _ => new IPEndPoint(IPAddress.Loopback, 1080),
        CustomParser = ParseEndPoint,
    };

    private readonly Option<string> _protocol = Choice("--protocol", "What clients speak: socks5, http, or mixed (both on one port).", Protocols, RelayProtocol.Mixed);

    private readonly Option<IPAddress?> _egress = new("--egress")
    {
        Description = "Source address of every upstream connection (sticky egress). Default: the OS chooses.",
        HelpName = "ADDR",
        CustomParser = ParseAddress,
    };

    private readonly Option<IPNetwork?> _egressPrefix = new("--egress-prefix")
    {
        Description = "Prefix whose random addresses upstream connections leave from, one per connection (rotating egress; the prefix must be routed to this host).",
        HelpName = "PREFIX",
        CustomParser = ParsePrefix,
    };

    private readonly Option<string> _policy = Choice("--policy", "Address families targets may be reached over: ipv6-only, dual (IPv6 first), ipv4-only.", Policies, EgressAddressPolicy.IPv6Only);

    private readonly Option<string?> _user = new("--user") { Description = "Username clients must present (SOCKS5 RFC 1929, HTTP Basic); needs --password.", HelpName = "U" };

    private readonly Option<string?> _password = new("--password") { Description = "Password clients must present; needs --user.", HelpName = "P" };

    private readonly Option<bool> _allowPrivate = new("--allow-private") { Description = "Allow loopback, link-local and private destinations (denied by default)." };

    private readonly Option<bool> _verbose = new("--verbose", "-v") { Description = "Also log each failed upstream connection." };

    public RelayCommand()
        : base("relay", "Run a SOCKS5/HTTP proxy listener in the foreground until Ctrl-C or SIGTERM, then print its stats.")
    {
        Options.Add(_listen);
        Options.Add(_protocol);
        Options.Add(_egress);
        Options.Add(_egressPrefix);
        Options.Add(_policy);
        Options.Add(_user);
        Options.Add(_password);
        Options.Add(_allowPrivate);
        Options.Add(_verbose);
        Validators.Add(Validate);
        SetAction(RunAsync);
    }

    /// <summary>Maps a successfully parsed command line to listener options.</summary>
    internal RelayListenerOptions CreateOptions(ParseResult parse)
    {
        var options = new RelayListenerOptions
        {
            ListenEndPoint = parse.GetRequiredValue(_listen),
            Protocol = ValueOf(Protocols, parse.GetRequiredValue(_protocol)),
            Credentials = parse.GetValue(_user) is { } user ? new RelayCredentials(user, parse.GetValue(_password)!) : null,
        };
        options.Egress.Address = parse.GetValue(_egress);
        options.Egress.RotatingPrefix = parse.GetValue(_egressPrefix);
        options.Egress.Policy = ValueOf(Policies, parse.GetRequiredValue(_policy));
        options.Destinations.AllowPrivateNetworks = parse.GetValue(_allowPrivate);
        return options;
    }

    private async Task<int> RunAsync(ParseResult parse, CancellationToken cancellationToken)
    {
        var output = parse.InvocationConfiguration.Output;
        var error = parse.InvocationConfiguration.Error;
        var options = CreateOptions(parse);
        using var logging = new StderrLoggerFactory(parse.GetValue(_verbose) ? LogLevel.Debug : LogLevel.Warning, error);
        RelayListener listener;
        try
        {
            listener = RelayListener.Create(options, loggerFactory: logging);
        }
        catch (ArgumentException ex)
        {
            // The engine's own validation, for anything the option validators do not already cover.
            await error.WriteLineAsync($"proxykit relay: {ex.Message}");
            return ExitCodes.Usage;
        }

        await using (listener)
        {
            using var signals = new ShutdownSignals(cancellationToken);
            try
            {
                listener.Start();
            }
            catch (SocketException ex)
            {
                await error.WriteLineAsync($"proxykit relay: cannot listen on {options.ListenEndPoint}: {ex.Message}");
                return ExitCodes.Failure;
            }

            await output.WriteLineAsync($"listening on {listener.LocalEndPoint} ({NameOf(Protocols, options.Protocol)})");
            await output.WriteLineAsync(Describe(options));
            await output.WriteLineAsync("press Ctrl-C to stop");

            var signal = await signals.Requested;
            await output.WriteLineAsync(
                $"{signal}: stopping; open connections get {options.DrainTimeout.TotalSeconds:0} s to finish (signal again to close them now)");
            await listener.StopAsync(signals.Forced); // a second signal ends the drain: the rest are closed

            await output.WriteLineAsync(FormatStats(listener.GetStats()));
            return ExitCodes.Success;
        }
    }

    internal static string FormatStats(RelayListenerStats stats)
    {
        var failures = stats.FailuresByReason.Count == 0
            ? string.Empty
            : $" ({string.Join(", ", stats.FailuresByReason.OrderByDescending(f => f.Value).Select(f => $"{f.Key} {f.Value}"))})";
        var text = new StringBuilder()
            .AppendLine("stats:")
            .AppendLine(CultureInfo.InvariantCulture, $"  uptime                {stats.Uptime:hh\\:mm\\:ss\\.fff}")
            .AppendLine(CultureInfo.InvariantCulture, $"  connections accepted  {stats.ConnectionsAccepted}")
            .AppendLine(CultureInfo.InvariantCulture, $"  connections failed    {stats.ConnectionsFailed}{failures}")
            .AppendLine(CultureInfo.InvariantCulture, $"  bytes sent            {stats.BytesSent} (clients to targets)")
            .Append(CultureInfo.InvariantCulture, $"  bytes received        {stats.BytesReceived} (targets to clients)");
        return text.ToString();
    }

    private void Validate(CommandResult command)
    {
        var egress = ValueOrDefault(command, _egress);
        var prefix = ValueOrDefault(command, _egressPrefix);
        var policyName = ValueOrDefault(command, _policy);
        var policy = Policies.Where(p => string.Equals(p.Name, policyName, StringComparison.OrdinalIgnoreCase)).Select(p => (EgressAddressPolicy?)p.Value).FirstOrDefault();
        if (egress is not null && prefix is not null)
        {
            command.AddError("--egress and --egress-prefix are mutually exclusive: give one source address (sticky) or one prefix (rotating).");
        }

        var family = egress?.AddressFamily ?? prefix?.BaseAddress.AddressFamily;
        if ((family == AddressFamily.InterNetwork && policy == EgressAddressPolicy.IPv6Only)
            || (family == AddressFamily.InterNetworkV6 && policy == EgressAddressPolicy.IPv4Only))
        {
            var given = egress is not null ? $"--egress {egress}" : $"--egress-prefix {prefix}";
            command.AddError($"{given} cannot reach any target under --policy {policyName}; choose --policy dual or an address of the other family.");
        }

        var user = ValueOrDefault(command, _user);
        var password = ValueOrDefault(command, _password);
        if ((user is null) != (password is null))
        {
            command.AddError("--user and --password go together: give both, or neither for no authentication.");
        }
        else if (user is not null && (!IsCredential(user) || !IsCredential(password!)))
        {
            command.AddError("--user and --password must each be 1-255 bytes of UTF-8 (RFC 1929).");
        }
    }

    // Validators run before defaults are filled in, so an absent option reads as its default here. An option whose own
    // parser failed has reported that already; the cross-option checks skip it.
    private static T? ValueOrDefault<T>(CommandResult command, Option<T> option)
    {
        try
        {
            return command.GetResult(option) is null && option.HasDefaultValue ? (T?)option.GetDefaultValue() : command.GetValue(option);
        }
        catch (InvalidOperationException)
        {
            return default;
        }
    }

    private static bool IsCredential(string value) => Encoding.UTF8.GetByteCount(value) is >= 1 and <= 255;

    // A string option over fixed names, so help and errors show the names users type (not the enum's member names).
    private static Option<string> Choice<T>(string name, string description, (string Name, T Value)[] choices, T defaultValue)
    {
        var names = choices.Select(c => c.Name).ToArray();
        var option = new Option<string>(name)
        {
            Description = description,
            HelpName = string.Join('|', names),
            DefaultValueFactory = _ => NameOf(choices, defaultValue),
        };
        option.CompletionSources.Add(names);
        option.Validators.Add(result =>
        {
            var given = result.GetValueOrDefault<string>();
            if (!names.Contains(given, StringComparer.OrdinalIgnoreCase))
            {
                result.AddError($"{name}: '{given}' is not one of {string.Join(", ", names)}.");
            }
        });
        return option;
    }

    private static T ValueOf<T>((string Name, T Value)[] choices, string name) =>
        choices.First(c => string.Equals(c.Name, name, StringComparison.OrdinalIgnoreCase)).Value;

    // Strict: an IP literal and an explicit port. IPEndPoint.TryParse alone would take "1080" as the address 0.0.4.56.
    private static IPEndPoint? ParseEndPoint(ArgumentResult result)
    {
        var text = result.Tokens[0].Value;
        var colon = text.LastIndexOf(':');
        var host = colon > 0 ? text[..colon] : string.Empty;
        var bracketed = host.StartsWith('[') && host.EndsWith(']');
        if (bracketed)
        {
            host = host[1..^1];
        }

        if (colon <= 0 || (!bracketed && host.Contains(':', StringComparison.Ordinal))
            || !int.TryParse(text.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port > IPEndPoint.MaxPort
            || TryParseAddress(host) is not { } address || (address.AddressFamily == AddressFamily.InterNetworkV6) != bracketed)
        {
            result.AddError($"--listen: '{text}' is not ADDR:PORT (e.g. 127.0.0.1:1080 or [::1]:1080).");
            return null;
        }

        return new IPEndPoint(address, port);
    }

    private static IPAddress? ParseAddress(ArgumentResult result)
    {
        var text = result.Tokens[0].Value;
        if (TryParseAddress(text) is { } address)
        {
            return address;
        }

        result.AddError($"--egress: '{text}' is not an IP address (e.g. 2001:db8::10 or 192.0.2.10).");
        return null;
    }

    private static IPNetwork? ParsePrefix(ArgumentResult result)
    {
        var text = result.Tokens[0].Value;
        var slash = text.IndexOf('/', StringComparison.Ordinal);
        var address = slash > 0 ? TryParseAddress(text[..slash]) : null;
        if (address is null || !IPNetwork.TryParse(text, out var prefix))
        {
            result.AddError($"--egress-prefix: '{text}' is not a CIDR prefix (e.g. 2001:db8:1:2::/64).");
            return null;
        }

        // IPNetwork.TryParse masks host bits away silently; a typo should not quietly become another prefix.
        if (!prefix.BaseAddress.Equals(address))
        {
            result.AddError($"--egress-prefix: {text} has host bits set; did you mean {prefix}?");
            return null;
        }

        if (prefix.PrefixLength >= (prefix.BaseAddress.AddressFamily == AddressFamily.InterNetworkV6 ? 128 : 32))
        {
            result.AddError($"--egress-prefix: {text} is a single address; a rotating prefix needs host bits (e.g. /64), or use --egress.");
            return null;
        }

        return prefix;
    }

    // IPAddress.TryParse also takes inet_aton shorthands ("1", "127.1"); only dotted quads and IPv6 literals are meant here.
    private static IPAddress? TryParseAddress(string text) =>
        IPAddress.TryParse(text, out var address)
        && (address.AddressFamily == AddressFamily.InterNetworkV6 || text.Count(c => c == '.') == 3)
        && !text.Contains('%', StringComparison.Ordinal) ? address : null;

    private static string Describe(RelayListenerOptions options)
    {
        var egress = options.Egress.RotatingPrefix is { } prefix ? $"a random address of {prefix} per connection"
            : options.Egress.Address is { } address ? $"{address}"
            : "OS-chosen source";
        var destinations = options.Destinations.AllowPrivateNetworks ? "private networks allowed" : "public only";
        var auth = options.Credentials is null ? "none" : "username/password";
        return $"egress: {egress}, {NameOf(Policies, options.Egress.Policy)}; destinations: {destinations}; auth: {auth}";
    }

    private static string NameOf<T>((string Name, T Value)[] choices, T value) =>
        choices.First(c => EqualityComparer<T>.Default.Equals(c.Value, value)).Name;
}
