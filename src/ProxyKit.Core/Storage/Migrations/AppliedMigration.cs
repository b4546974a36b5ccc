namespace ProxyKit.Storage.Migrations;

/// <summary>A script a <see cref="MigrationRunner"/> applied.</summary>
/// <param name="Module">The module's name.</param>
/// <param name="Version">The script's number.</param>
/// <param name="Description">The script's short name.</param>
public sealed record AppliedMigration(string Module, int Version, string Description);
