using System.Net;
using System.Net.NetworkInformation;
using System.Runtime.Versioning;
using ProxyKit.Relay.Addressing;
using ProxyKit.Windows.Internal;

namespace ProxyKit.Windows.Tests.Internal;

// The real iphlpapi.dll and PowerShell: these run only on Windows (the assigning one also needs Administrator).
[SupportedOSPlatform("windows")]
public sealed class IpHelperWindowsTests
{
    private const string NeedsWindows = "needs Windows (IP Helper API)";

    [SkippableFact]
    public void InitializeUnicastIpAddressEntry_SetsTheDocumentedDefaults()
    {
        Skip.IfNot(OperatingSystem.IsWindows(), NeedsWindows);

        IpHelper.Instance.InitializeUnicastIpAddressEntry(out var row);

        row.PrefixOrigin.ShouldBe(NlPrefixOrigin.Unchanged);
        row.SuffixOrigin.ShouldBe(NlSuffixOrigin.Unchanged);
        row.OnLinkPrefixLength.ShouldBeGreaterThan((byte)128, "an illegal value");
        row.ValidLifetime.ShouldBe(MibUnicastIpAddressRow.InfiniteLifetime);
        row.PreferredLifetime.ShouldBe(MibUnicastIpAddressRow.InfiniteLifetime);
        row.SkipAsSource.ShouldBe((byte)0);
    }

    [SkippableFact]
    public void GetUnicastIpAddressTable_ListsLoopbackAsAPreferred128()
    {
        Skip.IfNot(OperatingSystem.IsWindows(), NeedsWindows);

        IpHelper.Instance.GetUnicastIpAddressTable(SockAddrIn6.AfInet6, out var rows).ShouldBe(Win32Error.Success);

        var loopback = rows.First(r => IPAddress.IPv6Loopback.Equals(r.Address.ToIPAddress()));
        loopback.OnLinkPrefixLength.ShouldBe((byte)128);
        loopback.DadState.ShouldBe(NlDadState.Preferred);
        loopback.InterfaceLuid.Value.ShouldNotBe(0UL);
        var read = new MibUnicastIpAddressRow { Address = loopback.Address, InterfaceLuid = loopback.InterfaceLuid };
        IpHelper.Instance.GetUnicastIpAddressEntry(ref read).ShouldBe(Win32Error.Success);
        read.InterfaceIndex.ShouldBe(loopback.InterfaceIndex);
    }

    [SkippableFact]
    public void NotifyUnicastIpAddressChange_RegistersAndCancels()
    {
        Skip.IfNot(OperatingSystem.IsWindows(), NeedsWindows);

        IpHelper.Instance.NotifyUnicastIpAddressChange(SockAddrIn6.AfInet6, (_, _) => { }, out var registration).ShouldBe(Win32Error.Success);

        registration.ShouldNotBeNull().Dispose();
        registration.Dispose(); // a second dispose is harmless
    }

    [SkippableFact]
    public async Task AssignAsync_UnknownAlias_IsInterfaceNotFound()
    {
        Skip.IfNot(OperatingSystem.IsWindows(), NeedsWindows);

        var result = await new WindowsAddressAssigner(new WindowsOptions()).AssignAsync($"no-such-{Guid.NewGuid():N}", IPAddress.Parse("2001:db8::1"));

        result.Error.ShouldBe(AddressAssignmentError.InterfaceNotFound);
    }

    [SkippableFact]
    public async Task GetGlobalPrefixesAsync_Loopback_HasNone()
    {
        Skip.IfNot(OperatingSystem.IsWindows(), NeedsWindows);

        (await new WindowsAddressAssigner(new WindowsOptions()).GetGlobalPrefixesAsync(LoopbackAlias())).ShouldBeEmpty();
    }

    [SkippableFact]
    public async Task AssignAsync_OnLoopbackAsAdministrator_AssignsListsRenewsAndRemoves()
    {
        Skip.IfNot(OperatingSystem.IsWindows(), NeedsWindows);
        var assigner = new WindowsAddressAssigner(new WindowsOptions());
        var alias = LoopbackAlias();
        var address = IPAddress.Parse($"fd00:5052:4f58:{Random.Shared.Next(0x10000):x}::{Random.Shared.Next(1, 0x10000):x}");

        var assigned = await assigner.AssignAsync(alias, address);
        Skip.If(assigned.Error == AddressAssignmentError.AccessDenied, "needs Administrator to add addresses");
        try
        {
            assigned.ShouldBe(AddressAssignmentResult.Success, assigned.Message);
            (await assigner.GetAssignedAddressesAsync(alias)).ShouldContain(address);
            (await assigner.RenewAsync(alias, address)).ShouldBe(AddressAssignmentResult.Success);
        }
        finally
        {
            (await assigner.UnassignAsync(alias, address)).ShouldBe(AddressAssignmentResult.Success);
        }

        (await assigner.GetAssignedAddressesAsync(alias)).ShouldNotContain(address);
        (await assigner.UnassignAsync(alias, address)).ShouldBe(AddressAssignmentResult.Success, "removing an absent address succeeds");
    }

    [SkippableFact]
    public async Task PowerShellWindowsFirewall_ReadsTheProfilesInForce()
    {
        Skip.IfNot(OperatingSystem.IsWindows(), "needs Windows (Windows Firewall)");

        var profiles = await new PowerShellWindowsFirewall(TimeProvider.System).GetProfilesAsync(CancellationToken.None);

        profiles.Select(p => p.Name).ShouldBe(["Domain", "Private", "Public"], ignoreOrder: true);
    }

    // The loopback interface's alias ("Loopback Pseudo-Interface 1" in English) depends on the system language.
    private static string LoopbackAlias() =>
        NetworkInterface.GetAllNetworkInterfaces().First(n => n.NetworkInterfaceType == NetworkInterfaceType.Loopback).Name;
}
