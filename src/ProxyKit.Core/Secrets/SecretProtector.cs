using System.Buffers.Text;
using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace ProxyKit.Secrets;

/// <summary>
/// Protects secrets that must be read back (proxy passwords, private keys) before they reach storage, and derives keyed
/// hashes of them for uniqueness and lookups. AES-256-GCM under a subkey of the master key, so a stolen table alone
/// reveals nothing; each purpose has its own subkeys, so a value protected for one purpose cannot be replayed as another.
/// </summary>
/// <remarks>Thread-safe. Protected text is <c>v1.</c> + base64url(nonce ‖ ciphertext ‖ tag).</remarks>
public sealed class SecretProtector : IDisposable
{
    private const string Version = "v1.";
    private const int NonceSize = 12;
    private const int TagSize = 16;

    private readonly byte[] _masterKey;
    private readonly Dictionary<string, Purpose> _purposes = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();
    private bool _disposed;

    /// <summary>Creates a protector from <see cref="SecretsOptions.Key"/>.</summary>
    public SecretProtector(IOptions<SecretsOptions> options)
        : this(ResolveKey(options?.Value ?? throw new ArgumentNullException(nameof(options))))
    {
    }

    /// <summary>Creates a protector from a 32-byte master key.</summary>
    /// <exception cref="ArgumentException">The key is not 32 bytes.</exception>
    public SecretProtector(ReadOnlySpan<byte> masterKey)
    {
        if (masterKey.Length != 32)
        {
            throw new ArgumentException("The master key must be 32 bytes.", nameof(masterKey));
        }

        _masterKey = masterKey.ToArray();
    }

    /// <summary>Encrypts <paramref name="plaintext"/> for <paramref name="purpose"/> (e.g. <c>pool.proxy-password</c>).</summary>
    public string Protect(string purpose, string plaintext)
    {
        ArgumentNullException.ThrowIfNull(plaintext);
        var keys = For(purpose);
        var plain = Encoding.UTF8.GetBytes(plaintext);
        var sealedBytes = new byte[NonceSize + plain.Length + TagSize];
        var nonce = sealedBytes.AsSpan(0, NonceSize);
        RandomNumberGenerator.Fill(nonce);
        var aes = keys.RentAes();
        try
        {
            aes.Encrypt(nonce, plain, sealedBytes.AsSpan(NonceSize, plain.Length), sealedBytes.AsSpan(NonceSize + plain.Length), Encoding.UTF8.GetBytes(purpose));
        }
        finally
        {
            keys.ReturnAes(aes);
        }

        CryptographicOperations.ZeroMemory(plain);
        return Version + Base64Url.EncodeToString(sealedBytes);
    }

    /// <summary>Decrypts what <see cref="Protect"/> produced for the same purpose.</summary>
    /// <exception cref="ProxyKitException">The text was altered, protected for another purpose or under another key.</exception>
    public string Unprotect(string purpose, string protectedText)
    {
        ArgumentNullException.ThrowIfNull(protectedText);
        var keys = For(purpose);
        byte[] sealedBytes;
        try
        {
            sealedBytes = protectedText.StartsWith(Version, StringComparison.Ordinal)
                ? Base64Url.DecodeFromChars(protectedText.AsSpan(Version.Length))
                : throw new FormatException();
        }
        catch (FormatException)
        {
            throw new ProxyKitException($"A protected {purpose} value is not in the expected format.");
        }

        if (sealedBytes.Length < NonceSize + TagSize)
        {
            throw new ProxyKitException($"A protected {purpose} value is truncated.");
        }

        var length = sealedBytes.Length - NonceSize - TagSize;
        var plain = new byte[length];
        var aes = keys.RentAes();
        try
        {
            aes.Decrypt(sealedBytes.AsSpan(0, NonceSize), sealedBytes.AsSpan(NonceSize, length), sealedBytes.AsSpan(NonceSize + length), plain, Encoding.UTF8.GetBytes(purpose));
        }
        catch (AuthenticationTagMismatchException ex)
        {
            throw new ProxyKitException($"A protected {purpose} value cannot be read with the key in {SecretsOptions.KeySetting} (altered, or protected under another key).", ex);
        }
        finally
        {
            keys.ReturnAes(aes);
        }

        return Encoding.UTF8.GetString(plain);
    }

    /// <summary>
    /// A keyed hash (HMAC-SHA-256, lowercase hex) of <paramref name="value"/> for <paramref name="purpose"/>: equal values
    /// give equal hashes, so it can carry a unique constraint or an index, yet reveals nothing without the key.
    /// </summary>
    public string Hash(string purpose, ReadOnlySpan<char> value)
    {
        var key = For(purpose).HashKey;
        var max = Encoding.UTF8.GetMaxByteCount(value.Length);
        var buffer = max <= 512 ? stackalloc byte[max] : new byte[max];
        var written = Encoding.UTF8.GetBytes(value, buffer);
        Span<byte> mac = stackalloc byte[32];
        HMACSHA256.HashData(key, buffer[..written], mac);
        return Convert.ToHexStringLower(mac);
    }

    /// <summary>Signs <paramref name="data"/> for <paramref name="purpose"/> (HMAC-SHA-256): tamper-evident tokens such as page cursors.</summary>
    public void Sign(string purpose, ReadOnlySpan<byte> data, Span<byte> signature32) =>
        HMACSHA256.HashData(For(purpose).SignKey, data, signature32);

    /// <inheritdoc />
    public void Dispose()
    {
        lock (_gate)
        {
            foreach (var purpose in _purposes.Values)
            {
                purpose.Dispose();
            }

            _purposes.Clear();
            _disposed = true;
        }

        CryptographicOperations.ZeroMemory(_masterKey);
    }

    /// <inheritdoc />
    public override string ToString() => "SecretProtector(***)";

    /// <summary>The master key from <see cref="SecretsOptions.Key"/>, else from (or into) <see cref="SecretsOptions.KeyFile"/>.</summary>
    internal static byte[] ResolveKey(SecretsOptions options)
    {
        if (!string.IsNullOrWhiteSpace(options.Key) || string.IsNullOrWhiteSpace(options.KeyFile))
        {
            return ParseKey(options.Key);
        }

        var path = Path.GetFullPath(options.KeyFile);
        if (!File.Exists(path) && options.CreateKeyFileIfMissing)
        {
            TryCreateKeyFile(path);
        }

        try
        {
            return ParseKey(File.ReadAllText(path), $"The key file {SecretsOptions.SectionName}:KeyFile ({path})");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new ProxyKitException($"{SecretsOptions.SectionName}:KeyFile ({path}) cannot be read: {ex.Message}", ex);
        }
    }

    internal static byte[] ParseKey(string? key, string setting = SecretsOptions.KeySetting)
    {
        if (string.IsNullOrWhiteSpace(key))
        {
            throw new ProxyKitException($"{setting} is required: 32 random bytes, base64 (e.g. `openssl rand -base64 32`), or set {SecretsOptions.SectionName}:KeyFile.");
        }

        Span<byte> decoded = stackalloc byte[64];
        if (!Convert.TryFromBase64String(key.Trim(), decoded, out var length) || length != 32)
        {
            throw new ProxyKitException($"{setting} must be 32 bytes, base64 encoded.");
        }

        return decoded[..32].ToArray();
    }

    private static void TryCreateKeyFile(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        try
        {
            using var file = new FileStream(path, options);
            using var writer = new StreamWriter(file);
            writer.Write(Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)));
        }
        catch (IOException) when (File.Exists(path))
        {
            // Another host created it first: use theirs.
        }
    }

    private Purpose For(string purpose)
    {
        ArgumentException.ThrowIfNullOrEmpty(purpose);
        lock (_gate)
        {
            // Disposing zeroes the master key: deriving from it afterwards would silently protect under an all-zero key.
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (!_purposes.TryGetValue(purpose, out var keys))
            {
                keys = new Purpose(
                    HKDF.DeriveKey(HashAlgorithmName.SHA256, _masterKey, 32, info: Encoding.UTF8.GetBytes("proxykit/encrypt/" + purpose)),
                    HKDF.DeriveKey(HashAlgorithmName.SHA256, _masterKey, 32, info: Encoding.UTF8.GetBytes("proxykit/hash/" + purpose)),
                    HKDF.DeriveKey(HashAlgorithmName.SHA256, _masterKey, 32, info: Encoding.UTF8.GetBytes("proxykit/sign/" + purpose)));
                _purposes[purpose] = keys;
            }

            return keys;
        }
    }

    /// <summary>
    /// A purpose's subkeys. <see cref="AesGcm"/> instances are not safe to use from two threads at once (they share one
    /// native cipher context), so each call rents its own from a pool that grows to the peak concurrency.
    /// </summary>
    private sealed class Purpose(byte[] encryptKey, byte[] hashKey, byte[] signKey) : IDisposable
    {
        private readonly ConcurrentBag<AesGcm> _ciphers = [];

        public byte[] HashKey { get; } = hashKey;

        public byte[] SignKey { get; } = signKey;

        public AesGcm RentAes() => _ciphers.TryTake(out var aes) ? aes : new AesGcm(encryptKey, TagSize);

        public void ReturnAes(AesGcm aes) => _ciphers.Add(aes);

        public void Dispose()
        {
            while (_ciphers.TryTake(out var aes))
            {
                aes.Dispose();
            }

            CryptographicOperations.ZeroMemory(encryptKey);
        }
    }
}
