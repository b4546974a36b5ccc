using System.Runtime.InteropServices;
using System.Runtime.Versioning;

namespace ProxyKit.Windows.Internal;

/// <summary>The iphlpapi.dll entry points (netioapi.h), source-generated and blittable: no marshalling beyond the alias string.</summary>
[SupportedOSPlatform("windows")]
internal static unsafe partial class IpHelperNative
{
    private const string Library = "iphlpapi.dll";

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf16)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.System32)]
    public static partial uint ConvertInterfaceAliasToLuid(string interfaceAlias, NetLuid* interfaceLuid);

    [LibraryImport(Library)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.System32)]
    public static partial void InitializeUnicastIpAddressEntry(MibUnicastIpAddressRow* row);

    [LibraryImport(Library)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.System32)]
    public static partial uint CreateUnicastIpAddressEntry(MibUnicastIpAddressRow* row);

    [LibraryImport(Library)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.System32)]
    public static partial uint GetUnicastIpAddressEntry(MibUnicastIpAddressRow* row);

    [LibraryImport(Library)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.System32)]
    public static partial uint SetUnicastIpAddressEntry(MibUnicastIpAddressRow* row);

    [LibraryImport(Library)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.System32)]
    public static partial uint DeleteUnicastIpAddressEntry(MibUnicastIpAddressRow* row);

    [LibraryImport(Library)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.System32)]
    public static partial uint GetUnicastIpAddressTable(ushort family, MibUnicastIpAddressTable** table);

    [LibraryImport(Library)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.System32)]
    public static partial void FreeMibTable(void* memory);

    // PUNICAST_IPADDRESS_CHANGE_CALLBACK is NETIOAPI_API_ (WINAPI): stdcall on x86, the only convention elsewhere.
    [LibraryImport(Library)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.System32)]
    public static partial uint NotifyUnicastIpAddressChange(
        ushort family,
        delegate* unmanaged[Stdcall]<nint, MibUnicastIpAddressRow*, MibNotificationType, void> callback,
        nint callerContext,
        byte initialNotification,
        nint* notificationHandle);

    [LibraryImport(Library)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.System32)]
    public static partial uint CancelMibChangeNotify2(nint notificationHandle);
}
