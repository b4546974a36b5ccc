namespace ProxyKit.WireGuard.Keys;

/// <summary>A private key and its public key.</summary>
/// <param name="PrivateKey">The secret half.</param>
/// <param name="PublicKey">The public half.</param>
public sealed record WireGuardKeyPair(WireGuardPrivateKey PrivateKey, WireGuardPublicKey PublicKey)
{
    /// <summary>Redacted: the private key never reaches logs.</summary>
    public override string ToString() => $"WireGuardKeyPair {{ PublicKey = {PublicKey} }}";
}

/// <summary>Mints WireGuard key pairs (the plug-in point for an HSM or a deterministic generator in tests).</summary>
public interface IWireGuardKeyGenerator
{
    /// <summary>Creates a new key pair from a cryptographically secure source.</summary>
    WireGuardKeyPair Generate();
}

/// <summary>X25519 key pairs from the OS CSPRNG, clamped as <c>wg genkey</c> clamps them.</summary>
public sealed class X25519KeyGenerator : IWireGuardKeyGenerator
{
    /// <inheritdoc />
    public WireGuardKeyPair Generate()
    {
        Span<byte> secret = stackalloc byte[32];
        System.Security.Cryptography.RandomNumberGenerator.Fill(secret);
        secret[0] &= 248;
        secret[31] &= 127;
        secret[31] |= 64;
        var privateKey = new WireGuardPrivateKey(secret);
        secret.Clear();
        return new WireGuardKeyPair(privateKey, privateKey.PublicKey);
    }
}
