using System.Security.Cryptography;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using ProxyKit.Secrets;
using ProxyKit.Testing;

namespace ProxyKit.Core.Tests.Secrets;

public sealed class SecretProtectorTests
{
    private const string Purpose = "pool.proxy-credentials";

    private static readonly byte[] Key = Enumerable.Range(1, 32).Select(i => (byte)i).ToArray();

    [Theory]
    [InlineData("hunter2")]
    [InlineData("")]
    [InlineData("pässwörd with spaces, \"quotes\" and emoji 🔑")]
    public void Unprotect_WhatProtectProduced_ReturnsThePlaintext(string plaintext)
    {
        using var protector = new SecretProtector(Key);

        var sealedText = protector.Protect(Purpose, plaintext);

        sealedText.ShouldStartWith("v1.");
        if (plaintext.Length > 0)
        {
            sealedText.ShouldNotContain(plaintext);
        }

        protector.Unprotect(Purpose, sealedText).ShouldBe(plaintext);
    }

    [Fact]
    public async Task ProtectAndUnprotect_ManyThreadsAtOnce_EveryValueRoundTrips()
    {
        // AesGcm shares one native context per instance: used from two threads at once it fails ("cipher operation failed").
        using var protector = new SecretProtector(Key);
        var failures = 0;
        await Parallel.ForEachAsync(Enumerable.Range(0, 20_000), new ParallelOptions { MaxDegreeOfParallelism = 16 }, (i, _) =>
        {
            var value = $"secret-{i}";
            if (protector.Unprotect("test.concurrent", protector.Protect("test.concurrent", value)) != value)
            {
                Interlocked.Increment(ref failures);
            }

            return ValueTask.CompletedTask;
        });

        failures.ShouldBe(0);
    }

    [Fact]
    public void Protect_SameValueTwice_GivesDifferentTextsThatBothUnprotect()
    {
        using var protector = new SecretProtector(Key);

        var first = protector.Protect(Purpose, "secret");
        var second = protector.Protect(Purpose, "secret");

        first.ShouldNotBe(second, "each protection uses a fresh nonce");
        protector.Unprotect(Purpose, first).ShouldBe("secret");
        protector.Unprotect(Purpose, second).ShouldBe("secret");
    }

    [Fact]
    public void Unprotect_AnotherInstanceWithTheSameKey_ReadsIt()
    {
        using var writer = new SecretProtector(Key);
        using var reader = new SecretProtector(Options.Create(new SecretsOptions { Key = Convert.ToBase64String(Key) }));

        reader.Unprotect(Purpose, writer.Protect(Purpose, "secret")).ShouldBe("secret");
    }

    [Fact]
    public void Unprotect_ProtectedForAnotherPurpose_Throws()
    {
        using var protector = new SecretProtector(Key);
        var sealedText = protector.Protect("wireguard.private-key", "secret");

        Should.Throw<ProxyKitException>(() => protector.Unprotect(Purpose, sealedText));
    }

    [Fact]
    public void Unprotect_ProtectedUnderAnotherKey_ThrowsNamingTheKeySetting()
    {
        using var protector = new SecretProtector(Key);
        using var other = new SecretProtector(RandomNumberGenerator.GetBytes(32));

        var error = Should.Throw<ProxyKitException>(() => other.Unprotect(Purpose, protector.Protect(Purpose, "secret")));

        error.Message.ShouldContain(SecretsOptions.KeySetting);
    }

    [Fact]
    public void Unprotect_OneCharacterChanged_Throws()
    {
        using var protector = new SecretProtector(Key);
        var sealedText = protector.Protect(Purpose, "a secret long enough to have a middle");
        var middle = sealedText.Length / 2;
        var tampered = sealedText[..middle] + (sealedText[middle] == 'A' ? 'B' : 'A') + sealedText[(middle + 1)..];

        Should.Throw<ProxyKitException>(() => protector.Unprotect(Purpose, tampered));
    }

    [Theory]
    [InlineData("")]
    [InlineData("secret")]
    [InlineData("v1.")]
    [InlineData("v1.AAAA")]
    [InlineData("v1.not base64 at all!")]
    [InlineData("v2.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")]
    public void Unprotect_Malformed_ThrowsProxyKitException(string text)
    {
        using var protector = new SecretProtector(Key);

        Should.Throw<ProxyKitException>(() => protector.Unprotect(Purpose, text));
    }

    [Fact]
    public void Hash_SameValue_StableAcrossInstancesAndDistinctPerPurposeAndKey()
    {
        using var protector = new SecretProtector(Key);
        using var sameKey = new SecretProtector(Key);
        using var otherKey = new SecretProtector(RandomNumberGenerator.GetBytes(32));

        var hash = protector.Hash(Purpose, "user\0pass");

        hash.ShouldMatch("^[0-9a-f]{64}$");
        protector.Hash(Purpose, "user\0pass").ShouldBe(hash);
        sameKey.Hash(Purpose, "user\0pass").ShouldBe(hash);
        protector.Hash(Purpose, "user\0pasS").ShouldNotBe(hash);
        protector.Hash("another.purpose", "user\0pass").ShouldNotBe(hash);
        otherKey.Hash(Purpose, "user\0pass").ShouldNotBe(hash);
        hash.ShouldNotBe(Convert.ToHexStringLower(SHA256.HashData("user\0pass"u8)), "a keyed hash, not a plain digest");
    }

    [Theory]
    [InlineData("user\0pass")]
    [InlineData(null)] // 800 UTF-8 bytes: past the stack buffer
    public void Hash_IsHmacSha256UnderTheHkdfSubkeyOfThePurpose(string? value)
    {
        // Stored hashes (credential keys) depend on this derivation: it must never change silently.
        value ??= new string('é', 400);
        using var protector = new SecretProtector(Key);
        var subkey = HKDF.DeriveKey(HashAlgorithmName.SHA256, Key, 32, info: System.Text.Encoding.UTF8.GetBytes("proxykit/hash/" + Purpose));

        protector.Hash(Purpose, value).ShouldBe(Convert.ToHexStringLower(HMACSHA256.HashData(subkey, System.Text.Encoding.UTF8.GetBytes(value))));
    }

    [Fact]
    public void Sign_PerPurpose_DeterministicAndDistinct()
    {
        using var protector = new SecretProtector(Key);
        var first = new byte[32];
        var again = new byte[32];
        var otherPurpose = new byte[32];

        protector.Sign("pool.page-cursor", "data"u8, first);
        protector.Sign("pool.page-cursor", "data"u8, again);
        protector.Sign("accounts.page-cursor", "data"u8, otherPurpose);

        again.ShouldBe(first);
        otherPurpose.ShouldNotBe(first);
        first.ShouldNotBe(new byte[32]);
    }

    [Fact]
    public void Protect_AfterDispose_ThrowsInsteadOfUsingAZeroedKey()
    {
        var protector = new SecretProtector(Key);
        var sealedText = protector.Protect(Purpose, "secret");
        protector.Dispose();

        Should.Throw<ObjectDisposedException>(() => protector.Protect(Purpose, "secret"));
        Should.Throw<ObjectDisposedException>(() => protector.Protect("a.new.purpose", "secret"));
        Should.Throw<ObjectDisposedException>(() => protector.Unprotect(Purpose, sealedText));
        Should.Throw<ObjectDisposedException>(() => protector.Hash("a.new.purpose", "value"));
        protector.Dispose(); // twice is harmless
    }

    [Theory]
    [InlineData(0)]
    [InlineData(16)]
    [InlineData(31)]
    [InlineData(33)]
    public void Constructor_KeyNot32Bytes_Throws(int length) =>
        Should.Throw<ArgumentException>(() => new SecretProtector(new byte[length]));

    [Fact]
    public void ToString_ShowsNoKeyMaterial()
    {
        var key = Convert.ToBase64String(Key);
        using var protector = new SecretProtector(Options.Create(new SecretsOptions { Key = key }));

        var text = protector.ToString();

        text.ShouldNotContain(key);
        text.ShouldNotContain(Convert.ToHexString(Key), Case.Insensitive);
        text.ShouldContain("***");
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("not-base64!!")]
    [InlineData("AAECAwQFBgcICQoLDA0ODw==")] // 16 bytes
    [InlineData("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gIQ==")] // 34 bytes
    public async Task AddProxyKitSecrets_MissingOrBadKey_HostFailsAtStartNamingTheSetting(string? key)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Services.AddProxyKitSecrets().Configure<SecretsOptions>(o => o.Key = key);
        using var host = builder.Build();

        var error = await Should.ThrowAsync<OptionsValidationException>(() => host.StartAsync());

        error.Message.ShouldContain("ProxyKit:Secrets:Key");
        if (!string.IsNullOrWhiteSpace(key))
        {
            error.Message.ShouldNotContain(key, customMessage: "the (wrong) key itself is never echoed");
        }
    }

    [Fact]
    public async Task AddProxyKitSecrets_ValidKeyCalledTwice_StartsAndResolvesOneProtector()
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Services.AddProxyKitSecrets().AddProxyKitSecrets().Configure<SecretsOptions>(o => o.Key = Convert.ToBase64String(Key));
        using var host = builder.Build();

        await host.StartAsync();
        var protector = host.Services.GetRequiredService<SecretProtector>();

        protector.ShouldBeSameAs(host.Services.GetRequiredService<SecretProtector>());
        new SecretProtector(Key).Unprotect(Purpose, protector.Protect(Purpose, "x")).ShouldBe("x");
        await host.StopAsync();
    }

    [Fact]
    public void AddProxyKitSecrets_CalledTwice_RegistersNothingTwice() =>
        DependencyInjectionAssertions.AddingTwiceRegistersOnce(services => services.AddProxyKitSecrets());
}
