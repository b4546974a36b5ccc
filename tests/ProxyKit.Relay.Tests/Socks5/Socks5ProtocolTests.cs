using System.Net;
using ProxyKit.Relay.Socks5;

namespace ProxyKit.Relay.Tests.Socks5;

public sealed class Socks5ProtocolTests
{
    // ---- Greeting: VER NMETHODS METHODS ----

    [Fact]
    public void ParseGreeting_Complete_ReportsOfferedMethodsAndConsumesExactly()
    {
        byte[] data = [0x05, 0x02, 0x00, 0x02, 0xAA, 0xBB]; // two trailing bytes belong to the next message

        var status = Socks5Protocol.ParseGreeting(data, out var consumed, out var noAuth, out var userPass);

        status.ShouldBe(ParseStatus.Complete);
        consumed.ShouldBe(4);
        noAuth.ShouldBeTrue();
        userPass.ShouldBeTrue();
    }

    [Theory]
    [InlineData(new byte[] { 0x05, 0x01, 0x00 }, true, false)]
    [InlineData(new byte[] { 0x05, 0x01, 0x02 }, false, true)]
    [InlineData(new byte[] { 0x05, 0x03, 0x01, 0x03, 0x80 }, false, false)]
    public void ParseGreeting_MethodSets_ReportedIndividually(byte[] data, bool expectNoAuth, bool expectUserPass)
    {
        Socks5Protocol.ParseGreeting(data, out var consumed, out var noAuth, out var userPass).ShouldBe(ParseStatus.Complete);

        consumed.ShouldBe(data.Length);
        noAuth.ShouldBe(expectNoAuth);
        userPass.ShouldBe(expectUserPass);
    }

    [Fact]
    public void ParseGreeting_EveryTruncation_IsIncomplete()
    {
        byte[] data = [0x05, 0x03, 0x00, 0x01, 0x02];

        foreach (var length in Enumerable.Range(0, data.Length))
        {
            Socks5Protocol.ParseGreeting(data.AsSpan(0, length), out var consumed, out _, out _).ShouldBe(ParseStatus.Incomplete, $"prefix of {length} bytes");
            consumed.ShouldBe(0);
        }
    }

    [Theory]
    [InlineData(new byte[] { 0x04 })]
    [InlineData(new byte[] { 0x04, 0x01, 0x00 })]
    [InlineData(new byte[] { 0x47, 0x45, 0x54 })] // "GET"
    [InlineData(new byte[] { 0x05, 0x00 })] // zero methods
    [InlineData(new byte[] { 0x05, 0x00, 0x00 })]
    public void ParseGreeting_WrongVersionOrZeroMethods_IsInvalid(byte[] data)
    {
        Socks5Protocol.ParseGreeting(data, out var consumed, out _, out _).ShouldBe(ParseStatus.Invalid);
        consumed.ShouldBe(0);
    }

    [Fact]
    public void ParseGreeting_AllMethods_Complete()
    {
        byte[] data = [0x05, 0xFF, .. Enumerable.Range(0, 255).Select(i => (byte)i)];

        Socks5Protocol.ParseGreeting(data, out var consumed, out var noAuth, out var userPass).ShouldBe(ParseStatus.Complete);

        consumed.ShouldBe(257);
        noAuth.ShouldBeTrue();
        userPass.ShouldBeTrue();
    }

    // ---- Credentials (RFC 1929): VER ULEN UNAME PLEN PASSWD ----

    [Fact]
    public void ParseCredentials_Complete_ReturnsUserAndPassword()
    {
        byte[] data = [.. Support.Socks5Client.Credentials("alice", "s3cret-ü"), 0x05];

        var status = Socks5Protocol.ParseCredentials(data, out var consumed, out var user, out var password);

        status.ShouldBe(ParseStatus.Complete);
        consumed.ShouldBe(data.Length - 1);
        user.ShouldBe("alice");
        password.ShouldBe("s3cret-ü");
    }

    [Fact]
    public void ParseCredentials_EveryTruncation_IsIncomplete()
    {
        var data = Support.Socks5Client.Credentials("bob", "pw");

        foreach (var length in Enumerable.Range(0, data.Length))
        {
            Socks5Protocol.ParseCredentials(data.AsSpan(0, length), out var consumed, out _, out _).ShouldBe(ParseStatus.Incomplete, $"prefix of {length} bytes");
            consumed.ShouldBe(0);
        }
    }

    [Theory]
    [InlineData(new byte[] { 0x05, 0x01, 0x61, 0x01, 0x62 })] // SOCKS version instead of the sub-negotiation version
    [InlineData(new byte[] { 0x00 })]
    [InlineData(new byte[] { 0x01, 0x00, 0x01, 0x62 })] // empty user name
    public void ParseCredentials_WrongVersionOrEmptyUser_IsInvalid(byte[] data) =>
        Socks5Protocol.ParseCredentials(data, out _, out _, out _).ShouldBe(ParseStatus.Invalid);

    // ---- Requests: VER CMD RSV ATYP DST.ADDR DST.PORT ----

    [Fact]
    public void ParseRequest_ConnectIPv4_Complete()
    {
        byte[] data = [0x05, 0x01, 0x00, 0x01, 192, 0, 2, 7, 0x1F, 0x90, 0xEE];

        Socks5Protocol.ParseRequest(data, out var consumed, out var request).ShouldBe(ParseStatus.Complete);

        consumed.ShouldBe(10);
        request.Command.ShouldBe((byte)0x01);
        request.Reply.ShouldBeNull();
        request.Target.Address.ShouldBe(IPAddress.Parse("192.0.2.7"));
        request.Target.Host.ShouldBeNull();
        request.Target.Port.ShouldBe(8080);
    }

    [Fact]
    public void ParseRequest_ConnectIPv6_Complete()
    {
        var data = Support.Socks5Client.Request(0x01, new IPEndPoint(IPAddress.Parse("2001:db8::1"), 443));

        Socks5Protocol.ParseRequest(data, out var consumed, out var request).ShouldBe(ParseStatus.Complete);

        consumed.ShouldBe(22);
        request.Target.Address.ShouldBe(IPAddress.Parse("2001:db8::1"));
        request.Target.Port.ShouldBe(443);
    }

    [Fact]
    public void ParseRequest_Domain_Complete()
    {
        var data = Support.Socks5Client.Request(0x01, "example.test", 65535);

        Socks5Protocol.ParseRequest(data, out var consumed, out var request).ShouldBe(ParseStatus.Complete);

        consumed.ShouldBe(data.Length);
        request.Target.Host.ShouldBe("example.test");
        request.Target.Address.ShouldBeNull();
        request.Target.Port.ShouldBe(65535);
    }

    [Fact]
    public void ParseRequest_DomainHoldingALiteral_BecomesAnAddressTarget()
    {
        var data = Support.Socks5Client.Request(0x01, "127.0.0.1", 80);

        Socks5Protocol.ParseRequest(data, out _, out var request).ShouldBe(ParseStatus.Complete);

        request.Target.Address.ShouldBe(IPAddress.Loopback);
        request.Target.Host.ShouldBeNull();
    }

    [Fact]
    public void ParseRequest_UdpAssociate_CompleteWithoutRefusal()
    {
        var data = Support.Socks5Client.Request(0x03, new IPEndPoint(IPAddress.Any, 0));

        Socks5Protocol.ParseRequest(data, out _, out var request).ShouldBe(ParseStatus.Complete);

        request.Command.ShouldBe((byte)0x03);
        request.Reply.ShouldBeNull();
    }

    public static TheoryData<byte[]> WellFormedRequests() => new()
    {
        Support.Socks5Client.Request(0x01, new IPEndPoint(IPAddress.Parse("192.0.2.1"), 80)),
        Support.Socks5Client.Request(0x01, new IPEndPoint(IPAddress.Parse("2001:db8::5"), 80)),
        Support.Socks5Client.Request(0x01, "a.example", 80),
        Support.Socks5Client.Request(0x02, "b", 1),
    };

    [Theory]
    [MemberData(nameof(WellFormedRequests))]
    public void ParseRequest_EveryTruncation_IsIncomplete(byte[] data)
    {
        foreach (var length in Enumerable.Range(0, data.Length))
        {
            Socks5Protocol.ParseRequest(data.AsSpan(0, length), out var consumed, out _).ShouldBe(ParseStatus.Incomplete, $"prefix of {length} of {data.Length} bytes");
            consumed.ShouldBe(0);
        }

        Socks5Protocol.ParseRequest(data, out var all, out _).ShouldBe(ParseStatus.Complete);
        all.ShouldBe(data.Length);
    }

    [Fact]
    public void ParseRequest_WrongVersion_IsInvalid()
    {
        byte[] data = [0x04, 0x01, 0x00, 0x01, 127, 0, 0, 1, 0, 80];

        Socks5Protocol.ParseRequest(data, out _, out _).ShouldBe(ParseStatus.Invalid);
        Socks5Protocol.ParseRequest(data.AsSpan(0, 1), out _, out _).ShouldBe(ParseStatus.Invalid, "the first byte alone decides");
    }

    [Theory]
    [InlineData((byte)0x00)]
    [InlineData((byte)0x02)]
    [InlineData((byte)0x05)]
    [InlineData((byte)0xFF)]
    public void ParseRequest_UnknownAddressType_CompleteWithReply08(byte atyp)
    {
        byte[] data = [0x05, 0x01, 0x00, atyp, 1, 2, 3, 4, 0, 80];

        Socks5Protocol.ParseRequest(data, out var consumed, out var request).ShouldBe(ParseStatus.Complete);

        request.Reply.ShouldBe(Socks5Reply.AddressTypeNotSupported);
        consumed.ShouldBe(data.Length, "the address cannot be skipped, so everything buffered is consumed");
    }

    [Fact]
    public void ParseRequest_DomainLengthZero_IsInvalid()
    {
        byte[] data = [0x05, 0x01, 0x00, 0x03, 0x00, 0x00, 0x50];

        Socks5Protocol.ParseRequest(data, out _, out _).ShouldBe(ParseStatus.Invalid);
    }

    [Theory]
    [InlineData("bad host")]
    [InlineData("tab\there")]
    [InlineData("nul\0x")]
    [InlineData("del\u007f")]
    public void ParseRequest_DomainWithControlOrSpace_IsInvalid(string host) =>
        Socks5Protocol.ParseRequest(Support.Socks5Client.Request(0x01, host, 80), out _, out _).ShouldBe(ParseStatus.Invalid);

    [Fact]
    public void ParseRequest_DomainWithHighBytes_IsInvalid()
    {
        byte[] data = [0x05, 0x01, 0x00, 0x03, 0x02, 0xC3, 0xA9, 0x00, 0x50];

        Socks5Protocol.ParseRequest(data, out _, out _).ShouldBe(ParseStatus.Invalid);
    }

    [Fact]
    public void ParseRequest_Bind_CompleteWithReply07()
    {
        var data = Support.Socks5Client.Request(0x02, new IPEndPoint(IPAddress.Parse("192.0.2.1"), 21));

        Socks5Protocol.ParseRequest(data, out _, out var request).ShouldBe(ParseStatus.Complete);

        request.Reply.ShouldBe(Socks5Reply.CommandNotSupported);
    }

    [Theory]
    [InlineData((byte)0x00)]
    [InlineData((byte)0x04)]
    [InlineData((byte)0xFF)]
    public void ParseRequest_UnknownCommand_CompleteWithReply07(byte command)
    {
        var data = Support.Socks5Client.Request(command, "x.test", 1);

        Socks5Protocol.ParseRequest(data, out _, out var request).ShouldBe(ParseStatus.Complete);

        request.Reply.ShouldBe(Socks5Reply.CommandNotSupported);
    }

    [Fact]
    public void ParseRequest_PortZero_ParsesAsPortZero()
    {
        var data = Support.Socks5Client.Request(0x01, new IPEndPoint(IPAddress.Parse("192.0.2.1"), 0));

        Socks5Protocol.ParseRequest(data, out _, out var request).ShouldBe(ParseStatus.Complete);

        request.Target.Port.ShouldBe(0, "the parser reports port 0; refusing it is the connector's job");
    }

    // ---- ParseAddress (shared with UDP headers) ----

    [Fact]
    public void ParseAddress_UnknownType_FlagsUnsupported()
    {
        Socks5Protocol.ParseAddress([0x07, 1, 2, 3], out _, out _, out var unsupported).ShouldBe(ParseStatus.Invalid);
        unsupported.ShouldBeTrue();
    }

    [Theory]
    [InlineData(new byte[] { 0x01, 10, 0, 0, 1, 0x00, 0x35 }, 7)]
    [InlineData(new byte[] { 0x03, 0x01, (byte)'h', 0x00, 0x35, 0x99 }, 5)]
    public void ParseAddress_Complete_ConsumesHeaderOnly(byte[] data, int expected)
    {
        Socks5Protocol.ParseAddress(data, out var consumed, out var target, out var unsupported).ShouldBe(ParseStatus.Complete);

        consumed.ShouldBe(expected);
        unsupported.ShouldBeFalse();
        target.Port.ShouldBe(53);
    }

    [Fact]
    public void ParseAddress_EveryTruncation_IsIncomplete()
    {
        var data = Support.Socks5Client.Address(new IPEndPoint(IPAddress.Parse("2001:db8::9"), 53));

        foreach (var length in Enumerable.Range(0, data.Length))
        {
            Socks5Protocol.ParseAddress(data.AsSpan(0, length), out _, out _, out var unsupported).ShouldBe(ParseStatus.Incomplete, $"prefix of {length} bytes");
            unsupported.ShouldBeFalse();
        }
    }

    // ---- Replies ----

    [Fact]
    public void WriteReply_IPv4Bound_WritesTenBytes()
    {
        var buffer = new byte[22];

        var length = Socks5Protocol.WriteReply(buffer, Socks5Reply.Succeeded, new IPEndPoint(IPAddress.Parse("192.0.2.10"), 0x1234));

        buffer.AsSpan(0, length).ToArray().ShouldBe(new byte[] { 0x05, 0x00, 0x00, 0x01, 192, 0, 2, 10, 0x12, 0x34 });
    }

    [Fact]
    public void WriteReply_IPv6Bound_WritesTwentyTwoBytes()
    {
        var buffer = new byte[22];

        var length = Socks5Protocol.WriteReply(buffer, Socks5Reply.Succeeded, new IPEndPoint(IPAddress.Parse("2001:db8::1"), 443));

        length.ShouldBe(22);
        buffer[3].ShouldBe((byte)0x04);
        new IPAddress(buffer.AsSpan(4, 16)).ShouldBe(IPAddress.Parse("2001:db8::1"));
        buffer[20].ShouldBe((byte)0x01);
        buffer[21].ShouldBe((byte)0xBB);
    }

    [Fact]
    public void WriteReply_IPv4MappedBound_WrittenAsIPv4()
    {
        var buffer = new byte[22];

        var length = Socks5Protocol.WriteReply(buffer, Socks5Reply.Succeeded, new IPEndPoint(IPAddress.Parse("::ffff:192.0.2.3"), 80));

        buffer.AsSpan(0, length).ToArray().ShouldBe(new byte[] { 0x05, 0x00, 0x00, 0x01, 192, 0, 2, 3, 0, 80 });
    }

    [Theory]
    [InlineData((byte)0x01)]
    [InlineData((byte)0x02)]
    [InlineData((byte)0x04)]
    [InlineData((byte)0x08)]
    public void WriteReply_NoBoundAddress_WritesZeroIPv4(byte reply)
    {
        var buffer = new byte[22];

        var length = Socks5Protocol.WriteReply(buffer, (Socks5Reply)reply, null);

        buffer.AsSpan(0, length).ToArray().ShouldBe(new byte[] { 0x05, reply, 0x00, 0x01, 0, 0, 0, 0, 0, 0 });
    }

    [Fact]
    public void WriteReply_IPv6Bound_RoundTripsThroughParseAddress()
    {
        var buffer = new byte[22];
        var bound = new IPEndPoint(IPAddress.Parse("2001:db8:1::77"), 40000);

        var length = Socks5Protocol.WriteReply(buffer, Socks5Reply.Succeeded, bound);

        Socks5Protocol.ParseAddress(buffer.AsSpan(3, length - 3), out var consumed, out var target, out _).ShouldBe(ParseStatus.Complete);
        consumed.ShouldBe(length - 3);
        target.Address.ShouldBe(bound.Address);
        target.Port.ShouldBe(bound.Port);
    }
}
