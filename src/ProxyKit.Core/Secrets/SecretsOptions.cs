namespace ProxyKit.Secrets;

/// <summary>Options of the secret protector (section <c>ProxyKit:Secrets</c>).</summary>
public sealed class SecretsOptions
{
    /// <summary>The configuration section these options bind from.</summary>
    public const string SectionName = "ProxyKit:Secrets";

    /// <summary>The configuration path of <see cref="Key"/>, named in every error about it.</summary>
    public const string KeySetting = SectionName + ":Key";

    /// <summary>
    /// Gets or sets the master key: 32 random bytes, base64 (e.g. <c>openssl rand -base64 32</c>). Required.
    /// Keep it out of the database it protects: losing it makes every protected value unreadable.
    /// </summary>
    public string? Key { get; set; }

    /// <summary>
    /// Gets or sets a file holding the key (base64, as for <see cref="Key"/>), used when <see cref="Key"/> is not set.
    /// Every host sharing a database must use the same key: give them the same file or the same <see cref="Key"/>.
    /// </summary>
    public string? KeyFile { get; set; }

    /// <summary>
    /// Gets or sets whether a missing <see cref="KeyFile"/> is created with a fresh random key (readable by the owner only).
    /// Defaults to false; the sample server turns it on for its embedded set-up.
    /// </summary>
    public bool CreateKeyFileIfMissing { get; set; }
}
