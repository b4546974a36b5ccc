namespace ProxyKit.Postgres;

/// <summary>Options of the PostgreSQL engine (section <c>ProxyKit:Postgres</c>).</summary>
public sealed class PostgresStorageOptions
{
    /// <summary>The configuration path of <see cref="ConnectionString"/>, named in every error about it.</summary>
    public const string ConnectionStringSetting = "ProxyKit:Postgres:ConnectionString";

    /// <summary>
    /// Gets or sets the Npgsql connection string, e.g. <c>Host=127.0.0.1;Database=proxykit;Username=proxykit;Password=...</c>.
    /// Required. The password never appears in logs or error messages.
    /// </summary>
    public string? ConnectionString { get; set; }
}
