using System.Diagnostics;
using ProxyKit.WireGuard.Keys;

namespace ProxyKit.WireGuard.Tests.Keys;

public sealed class WireGuardKeyTests
{
    private const string WgPath = "/usr/bin/wg";

    // RFC 7748 section 6.1 (Alice's private key) and its base64 form.
    private const string AlicePrivateHex = "77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a";
    private const string AlicePrivateBase64 = "dwdtCnMYpX08FsFyUbJmRd9ML4frwJkqsXf7pR25LCo=";
    private const string AlicePublicBase64 = "hSDwCYkwp1R0i33ctD73Wg2/Og0mOBr066SpjqqbTmo=";

    [Theory]
    [InlineData(AlicePrivateHex, "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a")]
    [InlineData("5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb", "de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f")]
    public void PublicKey_Rfc7748Vectors_Match(string privateHex, string publicHex) =>
        new WireGuardPrivateKey(Convert.FromHexString(privateHex)).PublicKey.ToHex().ShouldBe(publicHex);

    [SkippableFact]
    public async Task PublicKey_GeneratedKeys_AgreeWithWgPubkey()
    {
        RequireWg();
        var generator = new X25519KeyGenerator();

        for (var i = 0; i < 5; i++)
        {
            var pair = generator.Generate();

            var fromWg = await RunWgAsync("pubkey", pair.PrivateKey.ToBase64());

            fromWg.ShouldBe(pair.PublicKey.ToBase64());
            pair.PrivateKey.PublicKey.ShouldBe(pair.PublicKey);
        }
    }

    [SkippableFact]
    public async Task Parse_WgGenkeyOutput_DerivesSamePublicKeyAsWgPubkey()
    {
        RequireWg();

        var privateBase64 = await RunWgAsync("genkey", stdin: null);
        var fromWg = await RunWgAsync("pubkey", privateBase64);

        var key = WireGuardPrivateKey.Parse(privateBase64);

        key.PublicKey.ToBase64().ShouldBe(fromWg);
        key.ToBase64().ShouldBe(privateBase64);
    }

    [Fact]
    public void Generate_ThousandKeys_AreDistinctAndClamped()
    {
        var generator = new X25519KeyGenerator();
        var seen = new HashSet<string>(StringComparer.Ordinal);

        for (var i = 0; i < 1000; i++)
        {
            var pair = generator.Generate();
            var bytes = pair.PrivateKey.ToArray();

            seen.Add(pair.PrivateKey.ToBase64()).ShouldBeTrue($"key {i} repeated");
            (bytes[0] & 7).ShouldBe(0);
            (bytes[31] & 0x80).ShouldBe(0);
            (bytes[31] & 0x40).ShouldNotBe(0);
            pair.PublicKey.ShouldBe(pair.PrivateKey.PublicKey);
        }
    }

    [Fact]
    public void Parse_ValidBase64_RoundTrips()
    {
        var privateKey = WireGuardPrivateKey.Parse(AlicePrivateBase64);
        var publicKey = WireGuardPublicKey.Parse(AlicePublicBase64);

        privateKey.ToBase64().ShouldBe(AlicePrivateBase64);
        privateKey.ToHex().ShouldBe(AlicePrivateHex);
        privateKey.PublicKey.ShouldBe(publicKey);
        publicKey.ToBase64().ShouldBe(AlicePublicBase64);
        publicKey.ToString().ShouldBe(AlicePublicBase64);
        WireGuardPrivateKey.TryParse(AlicePrivateBase64, out var tried).ShouldBeTrue();
        tried.ShouldBe(privateKey);
        WireGuardPublicKey.TryParse(AlicePublicBase64, out var triedPublic).ShouldBeTrue();
        triedPublic.ShouldBe(publicKey);
    }

    public static TheoryData<string?> InvalidBase64 => new()
    {
        null,
        string.Empty,
        "dwdtCnMYpX08FsFyUbJmRd9ML4frwJkqsXf7pR25LA==", // 31 bytes
        "dwdtCnMYpX08FsFyUbJmRd9ML4frwJkqsXf7pR25LCoA", // 33 bytes
        "dwdtCnMYpX08FsFyUbJmRd9ML4frwJkqsXf7pR25LCo", // padding missing
        "dwdtCnMYpX08FsFyUbJmRd9ML4frwJkqsXf7pR25LC!=", // not base64
        "dwdtCnMYpX08FsFyUbJmRd9ML4frwJkqsXf7pR25LCo= ", // trailing space
        AlicePrivateHex,
    };

    [Theory]
    [MemberData(nameof(InvalidBase64))]
    public void TryParse_Invalid_IsRejected(string? text)
    {
        WireGuardPrivateKey.TryParse(text, out _).ShouldBeFalse();
        WireGuardPublicKey.TryParse(text, out _).ShouldBeFalse();
    }

    [Theory]
    [MemberData(nameof(InvalidBase64))]
    public void Parse_Invalid_ThrowsFormatExceptionWithoutEchoingInput(string? text)
    {
        var privateError = Should.Throw<FormatException>(() => WireGuardPrivateKey.Parse(text!));
        var publicError = Should.Throw<FormatException>(() => WireGuardPublicKey.Parse(text!));

        if (!string.IsNullOrEmpty(text))
        {
            privateError.Message.ShouldNotContain(text);
            publicError.Message.ShouldNotContain(text);
        }
    }

    [Fact]
    public void FromHex_RoundTripsAndRejectsInvalid()
    {
        var key = WireGuardPublicKey.Parse(AlicePublicBase64);

        WireGuardPublicKey.FromHex(key.ToHex()).ShouldBe(key);
        WireGuardPublicKey.FromHex(key.ToHex().ToUpperInvariant()).ShouldBe(key);
        key.ToHex().ShouldBe("8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a");
        Should.Throw<FormatException>(() => WireGuardPublicKey.FromHex(key.ToHex()[..62]));
        Should.Throw<FormatException>(() => WireGuardPublicKey.FromHex(new string('g', 64)));
    }

    [Fact]
    public void Constructor_WrongLength_Throws()
    {
        Should.Throw<ArgumentException>(() => new WireGuardPrivateKey(new byte[31]));
        Should.Throw<ArgumentException>(() => new WireGuardPublicKey(new byte[33]));
    }

    [Fact]
    public void Equality_IsByValue()
    {
        var a = WireGuardPrivateKey.Parse(AlicePrivateBase64);
        var b = new WireGuardPrivateKey(Convert.FromHexString(AlicePrivateHex));
        var other = new X25519KeyGenerator().Generate();

        (a == b).ShouldBeTrue();
        a.Equals((object)b).ShouldBeTrue();
        a.GetHashCode().ShouldBe(b.GetHashCode());
        (a != other.PrivateKey).ShouldBeTrue();

        var p = WireGuardPublicKey.Parse(AlicePublicBase64);
        var q = WireGuardPublicKey.FromHex("8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a");
        (p == q).ShouldBeTrue();
        p.GetHashCode().ShouldBe(q.GetHashCode());
        (p != other.PublicKey).ShouldBeTrue();
    }

    [Fact]
    public void ToString_NeverShowsPrivateKey()
    {
        var pair = new X25519KeyGenerator().Generate();

        pair.PrivateKey.ToString().ShouldContain("***");
        pair.PrivateKey.ToString().ShouldNotContain(pair.PrivateKey.ToBase64());
        pair.PrivateKey.ToString().ShouldNotContain(pair.PrivateKey.ToHex());
        pair.ToString().ShouldNotContain(pair.PrivateKey.ToBase64());
        pair.ToString().ShouldContain(pair.PublicKey.ToBase64());
        $"{pair}".ShouldNotContain(pair.PrivateKey.ToBase64());
    }

    private static void RequireWg()
    {
        if (File.Exists(WgPath))
        {
            return;
        }

        // CI images are meant to carry wg: a missing binary there is a broken image, not a reason to skip.
        if (string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase))
        {
            Assert.Fail("needs wireguard-tools (wg)");
        }

        Skip.If(true, "needs wireguard-tools (wg)");
    }

    private static async Task<string> RunWgAsync(string command, string? stdin)
    {
        var start = new ProcessStartInfo(WgPath, command)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };

        using var process = Process.Start(start) ?? throw new InvalidOperationException("wg did not start");
        if (stdin is not null)
        {
            await process.StandardInput.WriteLineAsync(stdin);
        }

        process.StandardInput.Close();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var output = process.StandardOutput.ReadToEndAsync(timeout.Token);
        var error = process.StandardError.ReadToEndAsync(timeout.Token);
        await process.WaitForExitAsync(timeout.Token);

        process.ExitCode.ShouldBe(0, await error);
        return (await output).Trim();
    }
}
