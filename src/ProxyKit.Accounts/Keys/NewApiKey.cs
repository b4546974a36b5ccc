namespace ProxyKit.Accounts.Keys;

/// <summary>A key just created: the only time its plaintext exists outside the client (the store keeps a SHA-256 of it).</summary>
/// <param name="Id">The key id (a GUID in "D" format), used to revoke it.</param>
/// <param name="Key">The raw key (<c>pp_</c> + 48 characters). Return it to the client once; never log or store it. <see cref="ToString"/> redacts it.</param>
/// <param name="Prefix">The first 8 characters (<c>pp_a1b2c</c>), safe to display.</param>
/// <param name="Label">The label given when it was created (<c>default</c> for the key made at registration).</param>
/// <param name="CreatedAt">When it was created (UTC).</param>
public sealed record NewApiKey(string Id, string Key, string Prefix, string Label, DateTimeOffset CreatedAt)
{
    /// <summary>Describes the key without its secret.</summary>
    public override string ToString() => $"NewApiKey {{ Id = {Id}, Prefix = {Prefix}, Label = {Label}, CreatedAt = {CreatedAt:O}, Key = (redacted) }}";
}
