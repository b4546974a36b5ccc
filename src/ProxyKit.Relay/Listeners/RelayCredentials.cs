using System.Buffers.Text;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace ProxyKit.Relay.Listeners;

/// <summary>
/// The username and password a listener requires (SOCKS5 RFC 1929, HTTP <c>Proxy-Authorization: Basic</c>). The password is
/// never kept: only a salted PBKDF2 hash (<see cref="PasswordHash"/>, safe to store) and, once a client has proved it, an
/// in-memory salted SHA-256 so later handshakes cost one hash instead of a key derivation.
/// </summary>
public sealed class RelayCredentials
{
    /// <summary>PBKDF2-HMAC-SHA256 iterations of new hashes: about 25 ms on one core, paid once per listener start and per failed guess.</summary>
    private const int Iterations = 100_000;
    private const string Scheme = "pbkdf2-sha256";
    private const int SaltBytes = 16;
    private const int HashBytes = 32;

    private readonly byte[] _usernameDigest;
    private readonly byte[] _salt;
    private readonly byte[] _hash;
    private readonly int _iterations;
    private Verifier? _verified;

    /// <summary>Creates credentials from a plain password (hashed at once; the password itself is not kept).</summary>
    /// <param name="username">1-255 bytes of UTF-8, no ':' (HTTP Basic cannot carry one).</param>
    /// <param name="password">1-255 bytes of UTF-8; a secret, never logged or stored.</param>
    /// <exception cref="ArgumentException">Either is empty or longer than RFC 1929 allows.</exception>
    public RelayCredentials(string username, string password)
    {
        ValidateUsername(username);
        ThrowIfBadLength(password, nameof(password));
        Username = username;
        _usernameDigest = Digest(username);
        _salt = RandomNumberGenerator.GetBytes(SaltBytes);
        _iterations = Iterations;
        _hash = Derive(password, _salt, _iterations);
        _verified = Verifier.For(password);
    }

    private RelayCredentials(string username, byte[] salt, byte[] hash, int iterations)
    {
        Username = username;
        _usernameDigest = Digest(username);
        _salt = salt;
        _hash = hash;
        _iterations = iterations;
    }

    /// <summary>Gets the username.</summary>
    public string Username { get; }

    /// <summary>Gets the password hash in the form <c>pbkdf2-sha256$iterations$salt$hash</c> (base64): what to store.</summary>
    public string PasswordHash =>
        string.Create(CultureInfo.InvariantCulture, $"{Scheme}${_iterations}${Convert.ToBase64String(_salt)}${Convert.ToBase64String(_hash)}");

    /// <summary>Recreates credentials from a stored <see cref="PasswordHash"/>.</summary>
    /// <exception cref="ArgumentException">The username is invalid or the hash is not one this class wrote.</exception>
    public static RelayCredentials FromHash(string username, string passwordHash)
    {
        ValidateUsername(username);
        ArgumentNullException.ThrowIfNull(passwordHash);
        var parts = passwordHash.Split('$');
        if (parts.Length != 4 || parts[0] != Scheme
            || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var iterations) || iterations < 1
            || !Base64.IsValid(parts[2], out var saltLength) || saltLength < 8
            || !Base64.IsValid(parts[3], out var hashLength) || hashLength != HashBytes)
        {
            throw new ArgumentException($"Not a ProxyKit password hash (expected {Scheme}$iterations$salt$hash).", nameof(passwordHash));
        }

        return new RelayCredentials(username, Convert.FromBase64String(parts[2]), Convert.FromBase64String(parts[3]), iterations);
    }

    /// <summary>Checks a username and password in constant time (with respect to their contents).</summary>
    public bool Verify(string username, string password)
    {
        ArgumentNullException.ThrowIfNull(username);
        ArgumentNullException.ThrowIfNull(password);
        var usernameMatches = CryptographicOperations.FixedTimeEquals(Digest(username), _usernameDigest);
        if (Volatile.Read(ref _verified) is { } verified)
        {
            return verified.Matches(password) & usernameMatches;
        }

        // Not yet proved since this object was made from a stored hash: derive once, then remember a cheap verifier.
        var matches = CryptographicOperations.FixedTimeEquals(Derive(password, _salt, _iterations), _hash);
        if (matches)
        {
            Volatile.Write(ref _verified, Verifier.For(password));
        }

        return matches & usernameMatches;
    }

    /// <inheritdoc />
    public override string ToString() => $"RelayCredentials {{ Username = {Username}, Password = *** }}";

    private static void ValidateUsername(string username)
    {
        ThrowIfBadLength(username, nameof(username));
        if (username.Contains(':', StringComparison.Ordinal))
        {
            throw new ArgumentException("The username may not contain ':' (HTTP Basic authentication cannot carry it).", nameof(username));
        }
    }

    private static void ThrowIfBadLength(string value, string name)
    {
        ArgumentNullException.ThrowIfNull(value, name);
        if (value.Length == 0 || Encoding.UTF8.GetByteCount(value) > 255)
        {
            throw new ArgumentException($"The {name} must be 1-255 bytes of UTF-8 (RFC 1929).", name);
        }
    }

    private static byte[] Digest(string value) => SHA256.HashData(Encoding.UTF8.GetBytes(value));

    private static byte[] Derive(string password, byte[] salt, int iterations) =>
        Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(password), salt, iterations, HashAlgorithmName.SHA256, HashBytes);

    // A salted SHA-256 of a password already proved correct; lives in memory only.
    private sealed class Verifier
    {
        private readonly byte[] _salt = RandomNumberGenerator.GetBytes(SaltBytes);
        private byte[] _digest = [];

        public static Verifier For(string password)
        {
            var verifier = new Verifier();
            verifier._digest = verifier.Hash(password);
            return verifier;
        }

        public bool Matches(string password) => CryptographicOperations.FixedTimeEquals(Hash(password), _digest);

        private byte[] Hash(string password)
        {
            var bytes = Encoding.UTF8.GetBytes(password);
            var buffer = new byte[_salt.Length + bytes.Length];
            _salt.CopyTo(buffer, 0);
            bytes.CopyTo(buffer, _salt.Length);
            return SHA256.HashData(buffer);
        }
    }
}
