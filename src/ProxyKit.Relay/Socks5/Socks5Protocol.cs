using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Text;
using ProxyKit.Relay.Egress;

namespace ProxyKit.Relay.Socks5;

/// <summary>The outcome of parsing a message from the bytes received so far.</summary>
internal enum ParseStatus
{
    /// <summary>More bytes are needed.</summary>
    Incomplete,

    /// <summary>A whole message was parsed.</summary>
    Complete,

    /// <summary>The bytes can never form a valid message.</summary>
    Invalid,
}

internal enum Socks5Command : byte
{
    Connect = 0x01,
    Bind = 0x02,
    UdpAssociate = 0x03,
}

/// <summary>A parsed SOCKS5 request; <see cref="Reply"/> is set when the request is well-formed but must be refused (unknown command or address type).</summary>
internal readonly record struct Socks5Request(byte Command, RelayTarget Target, Socks5Reply? Reply);

/// <summary>
/// SOCKS5 (RFC 1928) and username/password (RFC 1929) messages as pure functions over the bytes received so far,
/// independent of any transport: each parser reports Incomplete, Complete (with the bytes it consumed) or Invalid.
/// </summary>
internal static class Socks5Protocol
{
    public const byte Version = 0x05;
    public const byte NoAuthentication = 0x00;
    public const byte UsernamePassword = 0x02;
    public const byte NoAcceptableMethods = 0xFF;
    private const byte AuthVersion = 0x01;
    private const byte AtypIPv4 = 0x01;
    private const byte AtypDomain = 0x03;
    private const byte AtypIPv6 = 0x04;

    /// <summary>Parses the greeting: VER NMETHODS METHODS.</summary>
    public static ParseStatus ParseGreeting(ReadOnlySpan<byte> data, out int consumed, out bool offersNoAuth, out bool offersUserPass)
    {
        consumed = 0;
        offersNoAuth = offersUserPass = false;
        if (data.Length >= 1 && data[0] != Version)
        {
            return ParseStatus.Invalid;
        }

        if (data.Length < 2)
        {
            return ParseStatus.Incomplete;
        }

        var count = data[1];
        if (count == 0)
        {
            return ParseStatus.Invalid;
        }

        if (data.Length < 2 + count)
        {
            return ParseStatus.Incomplete;
        }

        var methods = data.Slice(2, count);
        offersNoAuth = methods.Contains(NoAuthentication);
        offersUserPass = methods.Contains(UsernamePassword);
        consumed = 2 + count;
        return ParseStatus.Complete;
    }

    /// <summary>Parses the RFC 1929 sub-negotiation: VER ULEN UNAME PLEN PASSWD.</summary>
    public static ParseStatus ParseCredentials(ReadOnlySpan<byte> data, out int consumed, out string username, out string password)
    {
        consumed = 0;
        username = password = string.Empty;
        if (data.Length >= 1 && data[0] != AuthVersion)
        {
            return ParseStatus.Invalid;
        }

        if (data.Length < 2)
        {
            return ParseStatus.Incomplete;
        }

        var userLength = data[1];
        if (userLength == 0)
        {
            return ParseStatus.Invalid;
        }

        if (data.Length < 3 + userLength)
        {
            return ParseStatus.Incomplete;
        }

        var passwordLength = data[2 + userLength];
        if (data.Length < 3 + userLength + passwordLength)
        {
            return ParseStatus.Incomplete;
        }

        username = Encoding.UTF8.GetString(data.Slice(2, userLength));
        password = Encoding.UTF8.GetString(data.Slice(3 + userLength, passwordLength));
        consumed = 3 + userLength + passwordLength;
        return ParseStatus.Complete;
    }

    /// <summary>Parses a request: VER CMD RSV ATYP DST.ADDR DST.PORT.</summary>
    public static ParseStatus ParseRequest(ReadOnlySpan<byte> data, out int consumed, out Socks5Request request)
    {
        consumed = 0;
        request = default;
        if (data.Length >= 1 && data[0] != Version)
        {
            return ParseStatus.Invalid;
        }

        if (data.Length < 4)
        {
            return ParseStatus.Incomplete;
        }

        var status = ParseAddress(data[3..], out var addressLength, out var target, out var unsupportedType);
        if (unsupportedType)
        {
            // The address cannot be skipped without knowing its length: reply 0x08 and close.
            consumed = data.Length;
            request = new Socks5Request(data[1], default, Socks5Reply.AddressTypeNotSupported);
            return ParseStatus.Complete;
        }

        if (status != ParseStatus.Complete)
        {
            return status;
        }

        consumed = 3 + addressLength;
        var command = data[1];
        Socks5Reply? reply = command is (byte)Socks5Command.Connect or (byte)Socks5Command.UdpAssociate ? null : Socks5Reply.CommandNotSupported;
        request = new Socks5Request(command, target, reply);
        return ParseStatus.Complete;
    }

    /// <summary>Parses ATYP DST.ADDR DST.PORT (shared by requests and UDP datagram headers).</summary>
    public static ParseStatus ParseAddress(ReadOnlySpan<byte> data, out int consumed, out RelayTarget target, out bool unsupportedType)
    {
        consumed = 0;
        target = default;
        unsupportedType = false;
        if (data.Length < 1)
        {
            return ParseStatus.Incomplete;
        }

        int addressLength;
        switch (data[0])
        {
            case AtypIPv4:
                addressLength = 4;
                break;
            case AtypIPv6:
                addressLength = 16;
                break;
            case AtypDomain:
                if (data.Length < 2)
                {
                    return ParseStatus.Incomplete;
                }

                if (data[1] == 0)
                {
                    return ParseStatus.Invalid;
                }

                addressLength = 1 + data[1];
                break;
            default:
                unsupportedType = true;
                return ParseStatus.Invalid;
        }

        if (data.Length < 1 + addressLength + 2)
        {
            return ParseStatus.Incomplete;
        }

        var port = BinaryPrimitives.ReadUInt16BigEndian(data.Slice(1 + addressLength, 2));
        if (data[0] == AtypDomain)
        {
            var name = data.Slice(2, addressLength - 1);
            if (name.IndexOfAnyExceptInRange((byte)0x21, (byte)0x7E) >= 0)
            {
                return ParseStatus.Invalid; // names are ASCII (IDNs arrive as punycode); checked before decoding hides bytes >= 0x80
            }

            var host = Encoding.ASCII.GetString(name);

            target = RelayTarget.ForHost(host, port);
        }
        else
        {
            target = RelayTarget.ForAddress(new IPAddress(data.Slice(1, addressLength)), port);
        }

        consumed = 1 + addressLength + 2;
        return ParseStatus.Complete;
    }

    /// <summary>Writes ATYP BND.ADDR BND.PORT for <paramref name="endPoint"/> (IPv4-mapped addresses as IPv4); returns the length.</summary>
    public static int WriteAddress(Span<byte> destination, IPEndPoint? endPoint)
    {
        var address = endPoint?.Address ?? IPAddress.Any;
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        var isV6 = address.AddressFamily == AddressFamily.InterNetworkV6;
        destination[0] = isV6 ? AtypIPv6 : AtypIPv4;
        address.TryWriteBytes(destination[1..], out var written);
        BinaryPrimitives.WriteUInt16BigEndian(destination.Slice(1 + written, 2), (ushort)(endPoint?.Port ?? 0));
        return 1 + written + 2;
    }

    /// <summary>Writes a reply VER REP RSV ATYP BND.ADDR BND.PORT; returns its length (at most 22 bytes).</summary>
    public static int WriteReply(Span<byte> destination, Socks5Reply reply, IPEndPoint? bound)
    {
        destination[0] = Version;
        destination[1] = (byte)reply;
        destination[2] = 0;
        return 3 + WriteAddress(destination[3..], bound);
    }
}
