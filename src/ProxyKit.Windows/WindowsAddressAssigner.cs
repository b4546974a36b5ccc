using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Runtime.Versioning;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using ProxyKit.Relay.Addressing;
using ProxyKit.Windows.Internal;

namespace ProxyKit.Windows;

/// <summary>
/// Windows: adds each address as a <c>/128</c> through the IP Helper API (<c>CreateUnicastIpAddressEntry</c>) on the
/// interface named by its alias (e.g. <c>Ethernet</c>), with <c>SkipAsSource</c> (the host's own traffic never picks it)
/// and finite lifetimes (<see cref="WindowsOptions.AddressLifetime"/>, extended by <see cref="RenewAsync"/>, so addresses of
/// a crashed process expire by themselves). Windows runs duplicate address detection on every new address, which keeps it
/// Tentative — unusable as a source — for 1–3 s: <see cref="AssignAsync"/> returns only once the address is Preferred, or
/// removes it and reports <see cref="AddressAssignmentError.DuplicateAddress"/> or <see cref="AddressAssignmentError.DadTimeout"/>.
/// Needs Administrator rights. Thread-safe.
/// </summary>
public sealed class WindowsAddressAssigner : IAddressAssigner, IInterfacePrefixDiscovery
{
    // Change notifications wake the wait at once; this timer is the fallback should one be missed or unavailable.
    internal static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(250);

    private const int MaxAliasLength = 256; // IF_MAX_STRING_SIZE

    private readonly IIpHelper _ip;
    private readonly TimeSpan _dadTimeout;
    private readonly uint _lifetimeSeconds;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;

    /// <summary>Creates an assigner (normally resolved from DI after <c>AddProxyKitWindows()</c>).</summary>
    /// <param name="options">The duplicate address detection timeout and address lifetime; validated here.</param>
    /// <param name="timeProvider">The clock for the detection timeout. Defaults to <see cref="TimeProvider.System"/>.</param>
    /// <param name="logger">Where detection outcomes are logged. Defaults to none.</param>
    /// <exception cref="ArgumentException"><paramref name="options"/> are out of range.</exception>
    [SupportedOSPlatform("windows")]
    public WindowsAddressAssigner(WindowsOptions options, TimeProvider? timeProvider = null, ILogger<WindowsAddressAssigner>? logger = null)
        : this(IpHelper.Instance, options, timeProvider ?? TimeProvider.System, logger)
    {
    }

    internal WindowsAddressAssigner(IIpHelper ipHelper, WindowsOptions options, TimeProvider timeProvider, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(ipHelper);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(timeProvider);
        var validation = new WindowsOptionsValidator().Validate(null, options);
        if (validation.Failed)
        {
            throw new ArgumentException(validation.FailureMessage, nameof(options));
        }

        _ip = ipHelper;
        _dadTimeout = options.DuplicateAddressDetectionTimeout;
        _lifetimeSeconds = (uint)options.AddressLifetime.TotalSeconds;
        _timeProvider = timeProvider;
        _logger = logger ?? NullLogger.Instance;
    }

    /// <inheritdoc />
    public string Name => "windows";

    /// <inheritdoc />
    /// <remarks>
    /// Waits for duplicate address detection to finish, at most <see cref="WindowsOptions.DuplicateAddressDetectionTimeout"/>.
    /// An address already on the interface (<c>ERROR_OBJECT_ALREADY_EXISTS</c>) is reported as
    /// <see cref="AddressAssignmentError.DuplicateAddress"/>, like one another host holds: a new address should be tried.
    /// When <paramref name="cancellationToken"/> fires during the wait, the tentative address is removed again.
    /// </remarks>
    public async ValueTask<AddressAssignmentResult> AssignAsync(string interfaceName, IPAddress address, CancellationToken cancellationToken = default)
    {
        var key = Key(interfaceName, address);
        cancellationToken.ThrowIfCancellationRequested();
        var resolved = ResolveInterface(interfaceName, out var luid);
        if (resolved is not null)
        {
            return resolved;
        }

        return await CreateAndWaitAsync(interfaceName, address, luid, key, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    /// <remarks>
    /// Sets both lifetimes to <see cref="WindowsOptions.AddressLifetime"/> again. An address that already expired (or that
    /// someone removed) is assigned anew, duplicate address detection included.
    /// </remarks>
    public async ValueTask<AddressAssignmentResult> RenewAsync(string interfaceName, IPAddress address, CancellationToken cancellationToken = default)
    {
        var key = Key(interfaceName, address);
        cancellationToken.ThrowIfCancellationRequested();
        var resolved = ResolveInterface(interfaceName, out var luid);
        if (resolved is not null)
        {
            return resolved;
        }

        var row = Row(luid, key);
        var error = _ip.GetUnicastIpAddressEntry(ref row);
        if (error == Win32Error.Success)
        {
            // The row as read, lifetimes refreshed: Get then Set is the documented way to change one entry.
            row.ValidLifetime = _lifetimeSeconds;
            row.PreferredLifetime = _lifetimeSeconds;
            error = _ip.SetUnicastIpAddressEntry(in row);
            if (error == Win32Error.Success)
            {
                return AddressAssignmentResult.Success;
            }
        }

        if (error == Win32Error.NotFound)
        {
            Log.AddressReassigned(_logger, address, interfaceName);
            return await CreateAndWaitAsync(interfaceName, address, luid, key, cancellationToken).ConfigureAwait(false);
        }

        return Failure(error, "renew", interfaceName, address);
    }

    /// <inheritdoc />
    /// <remarks>An address that is not there — expired, removed by someone else, or its interface gone — counts as removed.</remarks>
    public ValueTask<AddressAssignmentResult> UnassignAsync(string interfaceName, IPAddress address, CancellationToken cancellationToken = default)
    {
        var key = Key(interfaceName, address);
        cancellationToken.ThrowIfCancellationRequested();
        var error = ConvertAlias(interfaceName, out var luid);
        if (error != Win32Error.Success)
        {
            return ValueTask.FromResult(IsMissingInterface(error) ? AddressAssignmentResult.Success : Failure(error, "remove", interfaceName, address));
        }

        error = _ip.DeleteUnicastIpAddressEntry(Row(luid, key));
        return ValueTask.FromResult(error is Win32Error.Success or Win32Error.NotFound or Win32Error.FileNotFound
            ? AddressAssignmentResult.Success
            : Failure(error, "remove", interfaceName, address));
    }

    /// <summary>
    /// Lists the global IPv6 prefixes on <paramref name="interfaceName"/>: each global unicast address's on-link prefix
    /// (link-local, site-local, loopback, Teredo and the <c>/128</c>s this assigner adds are skipped), global ones before
    /// unique-local ones.
    /// </summary>
    /// <exception cref="ProxyKitException">The interface does not exist or its addresses cannot be read.</exception>
    public Task<IReadOnlyList<IPNetwork>> GetGlobalPrefixesAsync(string interfaceName, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var prefixes = new List<IPNetwork>();
        foreach (var row in ReadInterfaceRows(interfaceName))
        {
            if (row.Address.ToIPAddress() is { } address && IsGlobal(address) && row.OnLinkPrefixLength is > 0 and < 128
                && row.DadState != NlDadState.Duplicate)
            {
                var prefix = Prefix(address, row.OnLinkPrefixLength);
                if (!prefixes.Contains(prefix))
                {
                    prefixes.Add(prefix);
                }
            }
        }

        IReadOnlyList<IPNetwork> ordered = [.. prefixes.OrderBy(static p => IsUniqueLocal(p.BaseAddress) ? 1 : 0)];
        return Task.FromResult(ordered);
    }

    /// <summary>
    /// Lists the addresses on <paramref name="interfaceName"/> that carry this assigner's marks: a <c>/128</c> of manual
    /// origin that is skipped as a source.
    /// </summary>
    /// <exception cref="ProxyKitException">The interface does not exist or its addresses cannot be read.</exception>
    public Task<IReadOnlyList<IPAddress>> GetAssignedAddressesAsync(string interfaceName, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        IReadOnlyList<IPAddress> addresses = [.. ReadInterfaceRows(interfaceName)
            .Where(static r => r.OnLinkPrefixLength == 128 && r.PrefixOrigin == NlPrefixOrigin.Manual && r.SuffixOrigin == NlSuffixOrigin.Manual && r.SkipAsSource != 0)
            .Select(static r => r.Address.ToIPAddress())
            .OfType<IPAddress>()];
        return Task.FromResult(addresses);
    }

    private async ValueTask<AddressAssignmentResult> CreateAndWaitAsync(string interfaceName, IPAddress address, NetLuid luid, SockAddrInet key, CancellationToken cancellationToken)
    {
        // Subscribe before creating, so no state change can slip between the two. Should subscribing fail, the timer
        // alone still sees detection finish, only later.
        var signal = new ChangeSignal(key.Ipv6);
        _ = _ip.NotifyUnicastIpAddressChange(SockAddrIn6.AfInet6, signal.OnChange, out var registration);
        using (registration)
        {
            _ip.InitializeUnicastIpAddressEntry(out var row);
            row.Address = key;
            row.InterfaceLuid = luid;
            row.PrefixOrigin = NlPrefixOrigin.Manual;
            row.SuffixOrigin = NlSuffixOrigin.Manual;
            row.OnLinkPrefixLength = 128;
            row.ValidLifetime = _lifetimeSeconds;
            row.PreferredLifetime = _lifetimeSeconds;
            row.SkipAsSource = 1;
            var error = _ip.CreateUnicastIpAddressEntry(in row);
            if (error != Win32Error.Success)
            {
                return error switch
                {
                    Win32Error.ObjectAlreadyExists => new(AddressAssignmentError.DuplicateAddress,
                        $"{address} is already assigned to '{interfaceName}' on this host; try another address."),
                    Win32Error.NotFound or Win32Error.FileNotFound => new(AddressAssignmentError.InterfaceNotFound,
                        $"Interface '{interfaceName}' has no IPv6: enable 'Internet Protocol Version 6 (TCP/IPv6)' on the adapter, or pick another interface."),
                    Win32Error.InvalidParameter => new(AddressAssignmentError.Failed,
                        $"Windows refused {address} on '{interfaceName}' as an invalid unicast address (ERROR_INVALID_PARAMETER)."),
                    _ => Failure(error, "assign", interfaceName, address),
                };
            }

            return await WaitForDuplicateAddressDetectionAsync(interfaceName, address, Row(luid, key), signal, cancellationToken).ConfigureAwait(false);
        }
    }

    // Polls the entry's DAD state on every change notification for it, and every PollInterval, until it leaves Tentative.
    private async ValueTask<AddressAssignmentResult> WaitForDuplicateAddressDetectionAsync(
        string interfaceName, IPAddress address, MibUnicastIpAddressRow key, ChangeSignal signal, CancellationToken cancellationToken)
    {
        var started = _timeProvider.GetTimestamp();
        using var deadline = new CancellationTokenSource(_dadTimeout, _timeProvider);
        using var wake = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
        while (true)
        {
            signal.Reset();
            var row = key;
            var error = _ip.GetUnicastIpAddressEntry(ref row);
            if (error != Win32Error.Success)
            {
                return error == Win32Error.NotFound
                    ? new(AddressAssignmentError.Failed, $"{address} disappeared from '{interfaceName}' during duplicate address detection (removed by another program?); try again.")
                    : Failure(error, "assign", interfaceName, address);
            }

            switch (row.DadState)
            {
                case NlDadState.Preferred or NlDadState.Deprecated:
                    Log.AddressAssigned(_logger, address, interfaceName, _timeProvider.GetElapsedTime(started));
                    return AddressAssignmentResult.Success;
                case NlDadState.Duplicate:
                    _ = _ip.DeleteUnicastIpAddressEntry(key);
                    Log.DuplicateAddressDetected(_logger, address, interfaceName);
                    return new(AddressAssignmentError.DuplicateAddress,
                        $"{address} is in use by another host on the link of '{interfaceName}' (duplicate address detection); it was removed — try another address.");
            }

            if (cancellationToken.IsCancellationRequested)
            {
                _ = _ip.DeleteUnicastIpAddressEntry(key); // never leave a half-made address behind
                cancellationToken.ThrowIfCancellationRequested();
            }

            if (deadline.IsCancellationRequested)
            {
                _ = _ip.DeleteUnicastIpAddressEntry(key);
                Log.DuplicateAddressDetectionTimedOut(_logger, address, interfaceName, _dadTimeout);
                return new(AddressAssignmentError.DadTimeout,
                    $"Duplicate address detection for {address} on '{interfaceName}' did not finish within {_dadTimeout.TotalSeconds:0.###} s "
                    + "(the address stayed Tentative); it was removed. Check that the interface is connected, or raise ProxyKit:Windows:DuplicateAddressDetectionTimeout.");
            }

            await Task.WhenAny(signal.Changed, Task.Delay(PollInterval, _timeProvider, wake.Token)).ConfigureAwait(false);
        }
    }

    private IEnumerable<MibUnicastIpAddressRow> ReadInterfaceRows(string interfaceName)
    {
        ArgumentException.ThrowIfNullOrEmpty(interfaceName);
        var error = ConvertAlias(interfaceName, out var luid);
        if (error != Win32Error.Success)
        {
            throw new ProxyKitException(IsMissingInterface(error) ? NoSuchInterface(interfaceName) : $"Cannot look up interface '{interfaceName}': {Describe(error)}");
        }

        error = _ip.GetUnicastIpAddressTable(SockAddrIn6.AfInet6, out var rows);
        if (error != Win32Error.Success)
        {
            throw new ProxyKitException($"Cannot list the IPv6 addresses of '{interfaceName}': {Describe(error)}", null, isTransient: true);
        }

        return rows.Where(r => r.InterfaceLuid.Equals(luid));
    }

    // Argument checks shared by the three verbs; the key row half (the address) of every IP Helper call.
    private static SockAddrInet Key(string interfaceName, IPAddress address)
    {
        ArgumentException.ThrowIfNullOrEmpty(interfaceName);
        ArgumentNullException.ThrowIfNull(address);
        if (address.AddressFamily != AddressFamily.InterNetworkV6)
        {
            throw new ArgumentException("Only IPv6 addresses are assigned.", nameof(address));
        }

        return SockAddrInet.FromIPAddress(address);
    }

    private static MibUnicastIpAddressRow Row(NetLuid luid, SockAddrInet key) => new() { Address = key, InterfaceLuid = luid };

    private AddressAssignmentResult? ResolveInterface(string interfaceName, out NetLuid luid)
    {
        var error = ConvertAlias(interfaceName, out luid);
        return error == Win32Error.Success ? null
            : IsMissingInterface(error) ? new(AddressAssignmentError.InterfaceNotFound, NoSuchInterface(interfaceName))
            : Failure(error, "look up the interface for", interfaceName, null);
    }

    // Aliases come from API callers. One the system cannot hold is not looked up: an embedded NUL would cut it short
    // and could name another interface.
    private uint ConvertAlias(string interfaceName, out NetLuid luid)
    {
        if (interfaceName.Length > MaxAliasLength || interfaceName.Any(char.IsControl))
        {
            luid = default;
            return Win32Error.InvalidParameter;
        }

        return _ip.ConvertInterfaceAliasToLuid(interfaceName, out luid);
    }

    // ConvertInterfaceAliasToLuid answers ERROR_INVALID_PARAMETER for an unknown alias; the others for a vanished interface.
    private static bool IsMissingInterface(uint error) => error is Win32Error.InvalidParameter or Win32Error.NotFound or Win32Error.FileNotFound;

    private static string NoSuchInterface(string interfaceName) =>
        $"No network interface is named '{interfaceName}' on this host: use the interface alias that `Get-NetAdapter` or `netsh interface ipv6 show interfaces` shows (e.g. 'Ethernet').";

    private static AddressAssignmentResult Failure(uint error, string verb, string interfaceName, IPAddress? address) => error switch
    {
        Win32Error.AccessDenied => new(AddressAssignmentError.AccessDenied,
            "Changing IPv6 addresses needs Administrator rights: run ProxyKit as Administrator (an elevated prompt, or a service account in the Administrators group)."),
        Win32Error.FileNotFound => new(AddressAssignmentError.InterfaceNotFound, NoSuchInterface(interfaceName)),
        Win32Error.NotSupported => new(AddressAssignmentError.Failed, "IPv6 is not enabled on this host (ERROR_NOT_SUPPORTED)."),
        _ => new(AddressAssignmentError.Failed, $"Could not {verb} {address?.ToString() ?? "an address"} on '{interfaceName}': {Describe(error)}"),
    };

    private static string Describe(uint error) => $"{Marshal.GetPInvokeErrorMessage((int)error)} (Win32 error {error})";

    private static bool IsGlobal(IPAddress address) =>
        !IPAddress.IsLoopback(address) && !address.IsIPv6LinkLocal && !address.IsIPv6SiteLocal && !address.IsIPv6Multicast
        && !address.IsIPv6Teredo && !address.IsIPv4MappedToIPv6 && !address.Equals(IPAddress.IPv6Any);

    private static bool IsUniqueLocal(IPAddress address) => (address.GetAddressBytes()[0] & 0xfe) == 0xfc;

    private static IPNetwork Prefix(IPAddress address, int length)
    {
        Span<byte> bytes = stackalloc byte[16];
        address.TryWriteBytes(bytes, out _);
        for (var bit = length; bit < 128; bit++)
        {
            bytes[bit / 8] &= (byte)~(0x80 >> (bit % 8));
        }

        return new IPNetwork(new IPAddress(bytes), length);
    }

    // Wakes the wait when the system reports a change of our address (every IPv6 address change on the host arrives).
    private sealed class ChangeSignal(SockAddrIn6 address)
    {
        private TaskCompletionSource _changed = NewSource();

        public Task Changed => Volatile.Read(ref _changed).Task;

        // Called before each read of the state, so a change after the read always completes the task awaited next.
        public void Reset()
        {
            if (Volatile.Read(ref _changed).Task.IsCompleted)
            {
                Volatile.Write(ref _changed, NewSource());
            }
        }

        // A row identifies the changed address; without one (never expected) every notification wakes the wait.
        public void OnChange(MibUnicastIpAddressRow? row, MibNotificationType type)
        {
            if (row is { } changed && !changed.Address.Ipv6.SameAddressAs(address))
            {
                return;
            }

            Volatile.Read(ref _changed).TrySetResult();
        }

        // Continuations leave the notification thread: disposing the registration from it would deadlock.
        private static TaskCompletionSource NewSource() => new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
