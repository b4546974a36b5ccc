namespace ProxyKit.Storage;

/// <summary>Options shared by every ProxyKit store (section <c>ProxyKit:Storage</c>).</summary>
public sealed class StorageOptions
{
    /// <summary>
    /// Gets or sets whether pending migrations are applied when the host starts. Defaults to <see langword="true"/>.
    /// Turn it off when a deployment step runs <see cref="Migrations.MigrationRunner"/> itself (for example
    /// with a database role that may change the schema while hosts run with one that may not).
    /// </summary>
    public bool MigrateOnStartup { get; set; } = true;
}
