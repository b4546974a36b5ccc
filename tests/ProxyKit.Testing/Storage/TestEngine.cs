namespace ProxyKit.Testing.Storage;

/// <summary>The SQL engines a store contract test runs against.</summary>
public enum TestEngine
{
    /// <summary>A fresh SQLite file in a temporary folder.</summary>
    Sqlite,

    /// <summary>A fresh database on the PostgreSQL server named by <c>PROXYKIT_TEST_POSTGRES</c>.</summary>
    Postgres,
}
