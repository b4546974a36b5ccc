using System.Net;
using ProxyKit.Windows.Internal;

namespace ProxyKit.Windows.Tests.Support;

/// <summary>
/// An in-memory IP Helper: interfaces by alias, a unicast table, and DAD states the test moves along with
/// <see cref="SetDadState"/> (notifying subscribers like the system does, or not, to exercise the timer fallback).
/// Each native function's error can be forced.
/// </summary>
internal sealed class FakeIpHelper : IIpHelper
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, NetLuid> _interfaces = new(StringComparer.Ordinal);
    private readonly List<MibUnicastIpAddressRow> _table = [];
    private readonly List<Subscription> _subscriptions = [];

    /// <summary>Gets or sets the state a created address starts in. Defaults to Tentative, as on a real link.</summary>
    public NlDadState InitialDadState { get; set; } = NlDadState.Tentative;

    public uint? CreateError { get; set; }

    public uint? GetError { get; set; }

    public uint? SetError { get; set; }

    public uint? DeleteError { get; set; }

    public uint? NotifyError { get; set; }

    public List<string> AliasLookups { get; } = [];

    public List<MibUnicastIpAddressRow> Created { get; } = [];

    public List<MibUnicastIpAddressRow> Updated { get; } = [];

    public List<IPAddress> Deleted { get; } = [];

    public int ActiveSubscriptions
    {
        get
        {
            lock (_gate)
            {
                return _subscriptions.Count;
            }
        }
    }

    public NetLuid AddInterface(string alias, ulong luid)
    {
        lock (_gate)
        {
            return _interfaces[alias] = new NetLuid(luid);
        }
    }

    /// <summary>Puts a row straight into the table (addresses the system or an administrator made).</summary>
    public void AddRow(NetLuid luid, string address, byte prefixLength, NlPrefixOrigin prefixOrigin = NlPrefixOrigin.RouterAdvertisement,
        NlSuffixOrigin suffixOrigin = NlSuffixOrigin.LinkLayerAddress, bool skipAsSource = false, NlDadState state = NlDadState.Preferred, uint lifetime = MibUnicastIpAddressRow.InfiniteLifetime)
    {
        lock (_gate)
        {
            _table.Add(new MibUnicastIpAddressRow
            {
                Address = SockAddrInet.FromIPAddress(IPAddress.Parse(address)),
                InterfaceLuid = luid,
                PrefixOrigin = prefixOrigin,
                SuffixOrigin = suffixOrigin,
                OnLinkPrefixLength = prefixLength,
                SkipAsSource = skipAsSource ? (byte)1 : (byte)0,
                DadState = state,
                ValidLifetime = lifetime,
                PreferredLifetime = lifetime,
            });
        }
    }

    public MibUnicastIpAddressRow? Find(IPAddress address)
    {
        lock (_gate)
        {
            var at = IndexOf(address);
            return at < 0 ? null : _table[at];
        }
    }

    /// <summary>Moves <paramref name="address"/> to <paramref name="state"/>; <paramref name="notify"/> false models a lost notification.</summary>
    public void SetDadState(IPAddress address, NlDadState state, bool notify = true)
    {
        MibUnicastIpAddressRow changed;
        Subscription[] subscribers;
        lock (_gate)
        {
            var at = IndexOf(address);
            var row = _table[at];
            row.DadState = state;
            _table[at] = row;
            changed = new MibUnicastIpAddressRow { Address = row.Address, InterfaceLuid = row.InterfaceLuid }; // key fields only, as documented
            subscribers = [.. _subscriptions];
        }

        if (notify)
        {
            foreach (var subscriber in subscribers)
            {
                subscriber.OnChange(changed, MibNotificationType.ParameterNotification);
            }
        }
    }

    /// <summary>Sends a notification about an address this test is not waiting for.</summary>
    public void NotifyOther(string address)
    {
        Subscription[] subscribers;
        lock (_gate)
        {
            subscribers = [.. _subscriptions];
        }

        foreach (var subscriber in subscribers)
        {
            subscriber.OnChange(new MibUnicastIpAddressRow { Address = SockAddrInet.FromIPAddress(IPAddress.Parse(address)) }, MibNotificationType.AddInstance);
        }
    }

    public int GetCalls { get; private set; }

    public uint ConvertInterfaceAliasToLuid(string alias, out NetLuid luid)
    {
        lock (_gate)
        {
            AliasLookups.Add(alias);
            if (_interfaces.TryGetValue(alias, out luid))
            {
                return Win32Error.Success;
            }

            luid = default;
            return Win32Error.InvalidParameter; // what Windows answers for an unknown alias
        }
    }

    public void InitializeUnicastIpAddressEntry(out MibUnicastIpAddressRow row) =>
        row = new MibUnicastIpAddressRow
        {
            PrefixOrigin = NlPrefixOrigin.Unchanged,
            SuffixOrigin = NlSuffixOrigin.Unchanged,
            OnLinkPrefixLength = 0xff,
            ValidLifetime = MibUnicastIpAddressRow.InfiniteLifetime,
            PreferredLifetime = MibUnicastIpAddressRow.InfiniteLifetime,
        };

    public uint CreateUnicastIpAddressEntry(in MibUnicastIpAddressRow row)
    {
        lock (_gate)
        {
            Created.Add(row);
            if (CreateError is { } error)
            {
                return error;
            }

            if (!_interfaces.ContainsValue(row.InterfaceLuid))
            {
                return Win32Error.NotFound;
            }

            if (IndexOf(row.Address.ToIPAddress()!) >= 0)
            {
                return Win32Error.ObjectAlreadyExists;
            }

            var stored = row;
            stored.DadState = InitialDadState;
            _table.Add(stored);
            return Win32Error.Success;
        }
    }

    public uint GetUnicastIpAddressEntry(ref MibUnicastIpAddressRow row)
    {
        lock (_gate)
        {
            GetCalls++;
            if (GetError is { } error)
            {
                return error;
            }

            if (!_interfaces.ContainsValue(row.InterfaceLuid))
            {
                return Win32Error.FileNotFound;
            }

            var at = IndexOf(row.Address.ToIPAddress()!);
            if (at < 0 || !_table[at].InterfaceLuid.Equals(row.InterfaceLuid))
            {
                return Win32Error.NotFound;
            }

            row = _table[at];
            return Win32Error.Success;
        }
    }

    public uint SetUnicastIpAddressEntry(in MibUnicastIpAddressRow row)
    {
        lock (_gate)
        {
            Updated.Add(row);
            if (SetError is { } error)
            {
                return error;
            }

            var at = IndexOf(row.Address.ToIPAddress()!);
            if (at < 0)
            {
                return Win32Error.NotFound;
            }

            _table[at] = row;
            return Win32Error.Success;
        }
    }

    public uint DeleteUnicastIpAddressEntry(in MibUnicastIpAddressRow row)
    {
        lock (_gate)
        {
            if (DeleteError is { } error)
            {
                return error;
            }

            var address = row.Address.ToIPAddress()!;
            var at = IndexOf(address);
            if (at < 0)
            {
                return Win32Error.NotFound;
            }

            Deleted.Add(address);
            _table.RemoveAt(at);
            return Win32Error.Success;
        }
    }

    public uint GetUnicastIpAddressTable(ushort family, out MibUnicastIpAddressRow[] rows)
    {
        lock (_gate)
        {
            rows = [.. _table];
            return Win32Error.Success;
        }
    }

    public uint NotifyUnicastIpAddressChange(ushort family, Action<MibUnicastIpAddressRow?, MibNotificationType> onChange, out IDisposable? registration)
    {
        lock (_gate)
        {
            if (NotifyError is { } error)
            {
                registration = null;
                return error;
            }

            var subscription = new Subscription(this, onChange);
            _subscriptions.Add(subscription);
            registration = subscription;
            return Win32Error.Success;
        }
    }

    private int IndexOf(IPAddress address) => _table.FindIndex(r => Equals(r.Address.ToIPAddress(), address));

    private sealed class Subscription(FakeIpHelper owner, Action<MibUnicastIpAddressRow?, MibNotificationType> onChange) : IDisposable
    {
        public void OnChange(MibUnicastIpAddressRow? row, MibNotificationType type) => onChange(row, type);

        public void Dispose()
        {
            lock (owner._gate)
            {
                owner._subscriptions.Remove(this);
            }
        }
    }
}
