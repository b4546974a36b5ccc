using System.Net;
using ProxyKit.Relay.Socks5;

namespace ProxyKit.Relay.Tests.Socks5;

/// <summary>
/// Seeded random inputs (pure noise, and mutations of valid messages) through every SOCKS5 parser. Beyond "never
/// throws", each result must be self-consistent: Complete consumes 1..length bytes and every proper prefix of the
/// consumed bytes is Incomplete (a parser decides from the bytes it has, and never reads past a message); Invalid
/// stays Invalid whatever follows; non-Complete consumes nothing.
/// </summary>
public sealed class Socks5ProtocolFuzzTests
{
    private delegate ParseStatus Parser(ReadOnlySpan<byte> data, out int consumed);

    private static readonly (string Name, Parser Parse)[] Parsers =
    [
        ("greeting", (ReadOnlySpan<byte> d, out int c) => Socks5Protocol.ParseGreeting(d, out c, out _, out _)),
        ("credentials", (ReadOnlySpan<byte> d, out int c) => Socks5Protocol.ParseCredentials(d, out c, out _, out _)),
        ("request", ParseRequestSkippingUnknownAtyp),
        ("address", (ReadOnlySpan<byte> d, out int c) => Socks5Protocol.ParseAddress(d, out c, out _, out _)),
    ];

    private static readonly byte[][] Seeds =
    [
        [0x05, 0x02, 0x00, 0x02],
        Support.Socks5Client.Credentials("user", "password"),
        Support.Socks5Client.Request(0x01, new IPEndPoint(IPAddress.Parse("192.0.2.1"), 443)),
        Support.Socks5Client.Request(0x01, new IPEndPoint(IPAddress.Parse("2001:db8::1"), 80)),
        Support.Socks5Client.Request(0x01, "example.test", 8080),
        Support.Socks5Client.Request(0x03, new IPEndPoint(IPAddress.Any, 0)),
        [0x01, 10, 0, 0, 1, 0, 53],
        [0x03, 0x04, (byte)'a', (byte)'.', (byte)'b', (byte)'c', 0, 53],
    ];

    [Fact]
    public void AllParsers_RandomNoise_SelfConsistent()
    {
        var random = new Random(12345);
        for (var i = 0; i < 2000; i++)
        {
            var data = new byte[random.Next(0, 80)];
            random.NextBytes(data);
            if (data.Length > 0 && random.Next(2) == 0)
            {
                data[0] = random.Next(2) == 0 ? (byte)0x05 : (byte)0x01; // reach past the version check half the time
            }

            CheckAll(data);
        }
    }

    [Fact]
    public void AllParsers_MutatedValidMessages_SelfConsistent()
    {
        var random = new Random(12345);
        for (var i = 0; i < 2000; i++)
        {
            CheckAll(Mutate(Seeds[random.Next(Seeds.Length)], random));
        }
    }

    [Fact]
    public void Request_ValidMessagesSplitAnywhere_CompleteOnlyWhenWhole()
    {
        foreach (var seed in Seeds.Skip(2).Take(4))
        {
            for (var cut = 0; cut <= seed.Length; cut++)
            {
                var status = Socks5Protocol.ParseRequest(seed.AsSpan(0, cut), out var consumed, out _);
                status.ShouldBe(cut == seed.Length ? ParseStatus.Complete : ParseStatus.Incomplete, $"{Convert.ToHexString(seed)} cut at {cut}");
                consumed.ShouldBe(cut == seed.Length ? seed.Length : 0);
            }
        }
    }

    internal static byte[] Mutate(byte[] seed, Random random)
    {
        var data = new List<byte>(seed);
        var edits = random.Next(1, 4);
        for (var e = 0; e < edits; e++)
        {
            switch (random.Next(5))
            {
                case 0 when data.Count > 0:
                    data[random.Next(data.Count)] = (byte)random.Next(256);
                    break;
                case 1 when data.Count > 0:
                    data.RemoveRange(random.Next(data.Count), 1);
                    break;
                case 2:
                    data.Insert(random.Next(data.Count + 1), (byte)random.Next(256));
                    break;
                case 3 when data.Count > 0:
                    var cut = random.Next(data.Count);
                    data.RemoveRange(cut, data.Count - cut); // truncate
                    break;
                default:
                    data.AddRange(Enumerable.Range(0, random.Next(1, 8)).Select(_ => (byte)random.Next(256)));
                    break;
            }
        }

        return [.. data];
    }

    private static void CheckAll(byte[] data)
    {
        foreach (var (name, parse) in Parsers)
        {
            var context = $"{name} on {Convert.ToHexString(data)}";
            var status = parse(data, out var consumed);
            if (status != ParseStatus.Complete)
            {
                consumed.ShouldBe(0, context);
                if (status == ParseStatus.Invalid)
                {
                    // Whatever follows cannot make it valid.
                    parse([.. data, 0x00, 0x01, 0x02], out _).ShouldBe(ParseStatus.Invalid, context);
                }

                continue;
            }

            consumed.ShouldBeInRange(1, data.Length, context);
            parse(data.AsSpan(0, consumed), out var again).ShouldBe(ParseStatus.Complete, context);
            again.ShouldBe(consumed, context);
            for (var k = 0; k < consumed; k++)
            {
                parse(data.AsSpan(0, k), out _).ShouldBe(ParseStatus.Incomplete, $"{context}: prefix of {k}");
            }
        }
    }

    // An unknown ATYP is reported Complete with everything buffered consumed (the length is unknowable); treat it as a
    // terminal refusal so the prefix rules above apply to the parseable requests.
    private static ParseStatus ParseRequestSkippingUnknownAtyp(ReadOnlySpan<byte> data, out int consumed)
    {
        var status = Socks5Protocol.ParseRequest(data, out consumed, out var request);
        if (status == ParseStatus.Complete && request.Reply == Socks5Reply.AddressTypeNotSupported)
        {
            consumed.ShouldBe(data.Length);
            data[3].ShouldNotBeOneOf((byte)0x01, (byte)0x03, (byte)0x04);
            consumed = 0;
            return ParseStatus.Invalid;
        }

        return status;
    }
}
