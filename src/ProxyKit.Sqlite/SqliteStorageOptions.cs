namespace ProxyKit.Sqlite;

/// <summary>Options of the SQLite engine (section <c>ProxyKit:Sqlite</c>).</summary>
public sealed class SqliteStorageOptions
{
    /// <summary>The configuration path of <see cref="ConnectionString"/>, named in every error about it.</summary>
    public const string ConnectionStringSetting = "ProxyKit:Sqlite:ConnectionString";

    /// <summary>
    /// Gets or sets the Microsoft.Data.Sqlite connection string. Defaults to <c>Data Source=./data/proxykit.db</c>
    /// (relative to the working directory; the folder is created when missing). Foreign keys are always on and
    /// the database runs in WAL mode. An in-memory database is not supported: every pooled connection would see
    /// a different one.
    /// </summary>
    public string ConnectionString { get; set; } = "Data Source=./data/proxykit.db";
}
