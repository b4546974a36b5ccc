using System.Net;
using ProxyKit.Testing;
using ProxyKit.Windows.Internal;
using ProxyKit.Windows.Tests.Support;

namespace ProxyKit.Windows.Tests;

// IInterfacePrefixDiscovery over a unicast table as GetUnicastIpAddressTable(AF_INET6) returns it.
public sealed class WindowsAddressAssignerDiscoveryTests
{
    private readonly FakeIpHelper _ip = new();
    private readonly NetLuid _ethernet;
    private readonly NetLuid _wifi;

    public WindowsAddressAssignerDiscoveryTests()
    {
        _ethernet = _ip.AddInterface("Ethernet", 0x0006_0000_0100_0000);
        _wifi = _ip.AddInterface("Wi-Fi", 0x0047_0000_0200_0000);
        _ip.AddRow(_ethernet, "fd00:1:2f::5", 44, NlPrefixOrigin.Manual, NlSuffixOrigin.Manual);        // unique-local, not byte-aligned
        _ip.AddRow(_ethernet, "2001:db8:1:2:a:b:c:d", 64);                                              // SLAAC
        _ip.AddRow(_ethernet, "2001:db8:1:2::abcd", 64, suffixOrigin: NlSuffixOrigin.Random);           // temporary, same /64
        _ip.AddRow(_ethernet, "fe80::1234", 64, NlPrefixOrigin.WellKnown);                              // link-local
        _ip.AddRow(_ethernet, "2001:db8:7::1", 64, NlPrefixOrigin.Manual, NlSuffixOrigin.Manual, state: NlDadState.Duplicate);
        _ip.AddRow(_ethernet, "2001:db8:1:2::99", 128, NlPrefixOrigin.Manual, NlSuffixOrigin.Manual, skipAsSource: true); // ours
        _ip.AddRow(_ethernet, "2001:db8:1:2::98", 128, NlPrefixOrigin.Manual, NlSuffixOrigin.Manual);   // an administrator's
        _ip.AddRow(_ethernet, "2001:db8:1:2::97", 128, NlPrefixOrigin.Dhcp, NlSuffixOrigin.Dhcp, skipAsSource: true); // DHCPv6
        _ip.AddRow(_wifi, "2001:db8:9::1", 64);
        _ip.AddRow(_wifi, "2001:db8:9::42", 128, NlPrefixOrigin.Manual, NlSuffixOrigin.Manual, skipAsSource: true);
    }

    [Fact]
    public async Task GetGlobalPrefixesAsync_GlobalOnLinkPrefixesOfThatInterface_GlobalBeforeUniqueLocal()
    {
        var prefixes = await Assigner().GetGlobalPrefixesAsync("Ethernet");

        prefixes.ShouldBe([IPNetwork.Parse("2001:db8:1:2::/64"), IPNetwork.Parse("fd00:1:20::/44")]);
    }

    [Fact]
    public async Task GetGlobalPrefixesAsync_UnknownInterface_ThrowsProxyKitExceptionNamingIt() =>
        (await Should.ThrowAsync<ProxyKitException>(() => Assigner().GetGlobalPrefixesAsync("Ethernet 9")))
            .Message.ShouldContain("'Ethernet 9'");

    [Fact]
    public async Task GetAssignedAddressesAsync_OnlyManualSkipAsSource128sOfThatInterface()
    {
        var addresses = await Assigner().GetAssignedAddressesAsync("Ethernet");

        addresses.ShouldBe([IPAddress.Parse("2001:db8:1:2::99")]);
    }

    [Fact]
    public async Task GetAssignedAddressesAsync_AnAddressItAssigned_IsListed()
    {
        _ip.InitialDadState = NlDadState.Preferred;
        var assigner = Assigner();
        var address = IPAddress.Parse("2001:db8:1:2::1:1");

        (await assigner.AssignAsync("Wi-Fi", address)).Succeeded.ShouldBeTrue();

        (await assigner.GetAssignedAddressesAsync("Wi-Fi")).ShouldBe([IPAddress.Parse("2001:db8:9::42"), address], ignoreOrder: true);
    }

    private WindowsAddressAssigner Assigner() => new(_ip, new WindowsOptions(), new ManualTimeProvider());
}
