using ProxyKit.Postgres;
using ProxyKit.Sqlite;
using ProxyKit.Storage;

namespace ProxyKit.Bench;

/// <summary>Command-line options of the benches.</summary>
internal static class BenchArgs
{
    /// <summary>The value after <paramref name="name"/> (for example <c>--seconds 5</c>), or <see langword="null"/>.</summary>
    public static string? Option(string[] args, string name)
    {
        var index = Array.IndexOf(args, name);
        return index >= 0 && index + 1 < args.Length ? args[index + 1] : null;
    }
}

/// <summary>The database a bench runs on: PostgreSQL when a connection string is given, else a SQLite file in <paramref name="folder"/>.</summary>
internal static class BenchDatabase
{
    public static ProxyKitDatabase Create(DirectoryInfo folder, string? postgres) => postgres is null
        ? SqliteStorage.CreateDatabase($"Data Source={Path.Combine(folder.FullName, "bench.db")}")
        : PostgresStorage.CreateDatabase(postgres);

    public static string Name(string? postgres) => postgres is null ? "SQLite" : "PostgreSQL";
}
