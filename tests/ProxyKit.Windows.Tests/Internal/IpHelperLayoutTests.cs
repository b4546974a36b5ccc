using System.Net;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using ProxyKit.Windows.Internal;

namespace ProxyKit.Windows.Tests.Internal;

// The blittable mirrors against the documented 64-bit layout of netioapi.h / ws2ipdef.h: a wrong field fails here, on
// any OS, instead of corrupting memory on Windows.
public sealed class IpHelperLayoutTests
{
    [Fact]
    public void MibUnicastIpAddressRow_Is80Bytes()
    {
        Unsafe.SizeOf<MibUnicastIpAddressRow>().ShouldBe(80);
        Marshal.SizeOf<MibUnicastIpAddressRow>().ShouldBe(80);
    }

    [Theory]
    [InlineData(nameof(MibUnicastIpAddressRow.Address), 0)]
    [InlineData(nameof(MibUnicastIpAddressRow.InterfaceLuid), 32)]
    [InlineData(nameof(MibUnicastIpAddressRow.InterfaceIndex), 40)]
    [InlineData(nameof(MibUnicastIpAddressRow.PrefixOrigin), 44)]
    [InlineData(nameof(MibUnicastIpAddressRow.SuffixOrigin), 48)]
    [InlineData(nameof(MibUnicastIpAddressRow.ValidLifetime), 52)]
    [InlineData(nameof(MibUnicastIpAddressRow.PreferredLifetime), 56)]
    [InlineData(nameof(MibUnicastIpAddressRow.OnLinkPrefixLength), 60)]
    [InlineData(nameof(MibUnicastIpAddressRow.SkipAsSource), 61)]
    [InlineData(nameof(MibUnicastIpAddressRow.DadState), 64)]
    [InlineData(nameof(MibUnicastIpAddressRow.ScopeId), 68)]
    [InlineData(nameof(MibUnicastIpAddressRow.CreationTimeStamp), 72)]
    public void MibUnicastIpAddressRow_FieldOffset_MatchesNetioapi(string field, int offset) =>
        Marshal.OffsetOf<MibUnicastIpAddressRow>(field).ToInt32().ShouldBe(offset);

    [Fact]
    public void MibUnicastIpAddressTable_RowsStartAt8() =>
        Marshal.OffsetOf<MibUnicastIpAddressTable>(nameof(MibUnicastIpAddressTable.Table)).ToInt32().ShouldBe(8);

    [Fact]
    public void SockAddrInet_Is28Bytes()
    {
        Unsafe.SizeOf<SockAddrInet>().ShouldBe(28);
        Unsafe.SizeOf<SockAddrIn6>().ShouldBe(28);
        Marshal.SizeOf<SockAddrInet>().ShouldBe(28);
    }

    [Theory]
    [InlineData(nameof(SockAddrIn6.Family), 0)]
    [InlineData(nameof(SockAddrIn6.Port), 2)]
    [InlineData(nameof(SockAddrIn6.FlowInfo), 4)]
    [InlineData(nameof(SockAddrIn6.Address), 8)]
    [InlineData(nameof(SockAddrIn6.ScopeId), 24)]
    public void SockAddrIn6_FieldOffset_MatchesWs2ipdef(string field, int offset) =>
        Marshal.OffsetOf<SockAddrIn6>(field).ToInt32().ShouldBe(offset);

    [Fact]
    public void NetLuid_Is8Bytes() => Unsafe.SizeOf<NetLuid>().ShouldBe(8);

    [Fact]
    public void Enums_AreFourByteCEnumsWithTheDocumentedValues()
    {
        Unsafe.SizeOf<NlDadState>().ShouldBe(4);
        ((int)NlDadState.Tentative, (int)NlDadState.Duplicate, (int)NlDadState.Preferred).ShouldBe((1, 2, 4));
        ((int)NlPrefixOrigin.Manual, (int)NlSuffixOrigin.Manual, (int)NlPrefixOrigin.Unchanged).ShouldBe((1, 1, 16));
    }

    [Theory]
    [InlineData("2001:db8:1:2::10")]
    [InlineData("::1")]
    [InlineData("fd12:3456:789a:1::ffff")]
    public void SockAddrInet_FromIPAddress_RoundTrips(string text)
    {
        var address = IPAddress.Parse(text);

        var native = SockAddrInet.FromIPAddress(address);

        native.Family.ShouldBe(SockAddrIn6.AfInet6);
        native.Ipv6.Port.ShouldBe((ushort)0);
        native.ToIPAddress().ShouldBe(address);
    }

    [Fact]
    public void SockAddrInet_FromIPAddress_KeepsNetworkByteOrderAndScope()
    {
        var native = SockAddrInet.FromIPAddress(IPAddress.Parse("fe80::1:2%7"));

        var bytes = MemoryMarshal.AsBytes(new ReadOnlySpan<SockAddrInet>(ref native)).ToArray();
        bytes[..2].ShouldBe(new byte[] { 23, 0 }, "AF_INET6 is 23 on Windows, little-endian");
        bytes[8..10].ShouldBe(new byte[] { 0xfe, 0x80 });
        bytes[22..24].ShouldBe(new byte[] { 0x00, 0x02 });
        BitConverter.ToUInt32(bytes, 24).ShouldBe(7u);
        native.ToIPAddress().ShouldBe(IPAddress.Parse("fe80::1:2%7"));
    }

    [Fact]
    public void SockAddrInet_NotIPv6_ReadsAsNull() => default(SockAddrInet).ToIPAddress().ShouldBeNull();

    [Fact]
    public void SockAddrIn6_FromIPv4_Throws() =>
        Should.Throw<ArgumentException>(() => SockAddrIn6.FromIPAddress(IPAddress.Loopback));

    [Fact]
    public void SockAddrIn6_SameAddressAs_IgnoresScope()
    {
        var a = SockAddrIn6.FromIPAddress(IPAddress.Parse("2001:db8::1"));

        a.SameAddressAs(SockAddrIn6.FromIPAddress(IPAddress.Parse("2001:db8::1%3"))).ShouldBeTrue();
        a.SameAddressAs(SockAddrIn6.FromIPAddress(IPAddress.Parse("2001:db8::2"))).ShouldBeFalse();
    }
}
