namespace ProxyKit.Storage.Migrations;

/// <summary>One numbered schema change of a module.</summary>
/// <param name="Version">The script's number, from 1; scripts apply in ascending order.</param>
/// <param name="Description">A short name (from the file name: <c>0001_create_users.sql</c> → <c>create_users</c>).</param>
/// <param name="Sql">The statements to run, all in one transaction.</param>
/// <param name="Dialect">The engine the script is written for, or <see langword="null"/> when it runs on every engine.</param>
public sealed record MigrationScript(int Version, string Description, string Sql, string? Dialect = null)
{
    /// <inheritdoc />
    public override string ToString() => $"{Version:D4}_{Description}{(Dialect is null ? string.Empty : "." + Dialect)}";
}
