namespace ProxyKit.Windows.Internal;

/// <summary>
/// The IP Helper functions the assigner calls, one member per native function with its Win32 error code as the result,
/// so the assigner's state machine (create, wait out duplicate address detection, renew, remove) is unit-tested on any
/// OS against a fake. <see cref="IpHelper"/> is the real one.
/// </summary>
internal interface IIpHelper
{
    /// <summary><c>ConvertInterfaceAliasToLuid</c>: the interface whose alias (e.g. <c>Ethernet</c>) is <paramref name="alias"/>.</summary>
    uint ConvertInterfaceAliasToLuid(string alias, out NetLuid luid);

    /// <summary><c>InitializeUnicastIpAddressEntry</c>: a row with the system's defaults (origins unchanged, lifetimes infinite).</summary>
    void InitializeUnicastIpAddressEntry(out MibUnicastIpAddressRow row);

    /// <summary><c>CreateUnicastIpAddressEntry</c>.</summary>
    uint CreateUnicastIpAddressEntry(in MibUnicastIpAddressRow row);

    /// <summary><c>GetUnicastIpAddressEntry</c>: fills <paramref name="row"/> (keyed by its address and interface LUID).</summary>
    uint GetUnicastIpAddressEntry(ref MibUnicastIpAddressRow row);

    /// <summary><c>SetUnicastIpAddressEntry</c>.</summary>
    uint SetUnicastIpAddressEntry(in MibUnicastIpAddressRow row);

    /// <summary><c>DeleteUnicastIpAddressEntry</c>.</summary>
    uint DeleteUnicastIpAddressEntry(in MibUnicastIpAddressRow row);

    /// <summary><c>GetUnicastIpAddressTable</c> copied out (and the native table freed with <c>FreeMibTable</c>).</summary>
    uint GetUnicastIpAddressTable(ushort family, out MibUnicastIpAddressRow[] rows);

    /// <summary>
    /// <c>NotifyUnicastIpAddressChange</c>: calls <paramref name="onChange"/> (on a system thread; it must not block) for every
    /// unicast address change of <paramref name="family"/> until <paramref name="registration"/> is disposed. The row, when
    /// given, identifies the address only (address, LUID, index): read the rest with <see cref="GetUnicastIpAddressEntry"/>.
    /// Disposing waits for a callback in progress, so it must not be done from inside one.
    /// </summary>
    uint NotifyUnicastIpAddressChange(ushort family, Action<MibUnicastIpAddressRow?, MibNotificationType> onChange, out IDisposable? registration);
}
