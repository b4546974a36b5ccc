using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Versioning;

namespace ProxyKit.Windows.Internal;

/// <summary>The real <see cref="IIpHelper"/>: iphlpapi.dll.</summary>
[SupportedOSPlatform("windows")]
internal sealed unsafe class IpHelper : IIpHelper
{
    public static IpHelper Instance { get; } = new();

    public uint ConvertInterfaceAliasToLuid(string alias, out NetLuid luid)
    {
        NetLuid result;
        var error = IpHelperNative.ConvertInterfaceAliasToLuid(alias, &result);
        luid = error == Win32Error.Success ? result : default;
        return error;
    }

    public void InitializeUnicastIpAddressEntry(out MibUnicastIpAddressRow row)
    {
        MibUnicastIpAddressRow result;
        IpHelperNative.InitializeUnicastIpAddressEntry(&result);
        row = result;
    }

    public uint CreateUnicastIpAddressEntry(in MibUnicastIpAddressRow row)
    {
        var copy = row;
        return IpHelperNative.CreateUnicastIpAddressEntry(&copy);
    }

    public uint GetUnicastIpAddressEntry(ref MibUnicastIpAddressRow row)
    {
        var copy = row;
        var error = IpHelperNative.GetUnicastIpAddressEntry(&copy);
        row = copy;
        return error;
    }

    public uint SetUnicastIpAddressEntry(in MibUnicastIpAddressRow row)
    {
        var copy = row;
        return IpHelperNative.SetUnicastIpAddressEntry(&copy);
    }

    public uint DeleteUnicastIpAddressEntry(in MibUnicastIpAddressRow row)
    {
        var copy = row;
        return IpHelperNative.DeleteUnicastIpAddressEntry(&copy);
    }

    public uint GetUnicastIpAddressTable(ushort family, out MibUnicastIpAddressRow[] rows)
    {
        MibUnicastIpAddressTable* table = null;
        var error = IpHelperNative.GetUnicastIpAddressTable(family, &table);
        if (error != Win32Error.Success)
        {
            rows = [];
            return error;
        }

        try
        {
            rows = new ReadOnlySpan<MibUnicastIpAddressRow>(&table->Table, checked((int)table->NumEntries)).ToArray();
            return Win32Error.Success;
        }
        finally
        {
            IpHelperNative.FreeMibTable(table);
        }
    }

    public uint NotifyUnicastIpAddressChange(ushort family, Action<MibUnicastIpAddressRow?, MibNotificationType> onChange, out IDisposable? registration)
    {
        ArgumentNullException.ThrowIfNull(onChange);
        var error = Registration.Register(family, onChange, out var registered);
        registration = registered;
        return error;
    }

    // The native side holds a GCHandle to this object as its context, from registration until cancellation.
    private sealed class Registration : IDisposable
    {
        private readonly Action<MibUnicastIpAddressRow?, MibNotificationType> _onChange;
        private GCHandle _self;
        private nint _handle;

        private Registration(Action<MibUnicastIpAddressRow?, MibNotificationType> onChange) => _onChange = onChange;

        public static uint Register(ushort family, Action<MibUnicastIpAddressRow?, MibNotificationType> onChange, out Registration? registration)
        {
            var created = new Registration(onChange);
            created._self = GCHandle.Alloc(created);
            nint handle = 0;
            var error = IpHelperNative.NotifyUnicastIpAddressChange(family, &OnChange, GCHandle.ToIntPtr(created._self), initialNotification: 0, &handle);
            if (error != Win32Error.Success)
            {
                created._self.Free();
                registration = null;
                return error;
            }

            created._handle = handle;
            registration = created;
            return error;
        }

        public void Dispose()
        {
            var handle = Interlocked.Exchange(ref _handle, 0);
            if (handle == 0)
            {
                return;
            }

            // CancelMibChangeNotify2 returns only once no callback for this handle runs, so freeing the context after it is
            // safe. It deadlocks when called from a callback: the assigner's continuations run asynchronously, never there.
            _ = IpHelperNative.CancelMibChangeNotify2(handle);
            _self.Free();
        }

        [UnmanagedCallersOnly(CallConvs = [typeof(CallConvStdcall)])]
        private static void OnChange(nint context, MibUnicastIpAddressRow* row, MibNotificationType notificationType)
        {
            // An exception must not cross back into native code (it would end the process); the timer fallback covers a
            // notification lost this way.
            try
            {
                if (GCHandle.FromIntPtr(context).Target is Registration registration)
                {
                    registration._onChange(row is null ? null : *row, notificationType);
                }
            }
            catch (Exception)
            {
            }
        }
    }
}
