using ProxyKit.Storage.Migrations;

namespace ProxyKit.Core.Tests.Storage;

public sealed class MigrationModuleTests
{
    [Fact]
    public void ScriptsFor_SharedAndEngineSpecific_PicksTheEngineOneAndOrdersByVersion()
    {
        var module = MigrationModule.FromScripts("m",
        [
            new(2, "second", "shared 2"),
            new(1, "first", "shared 1"),
            new(1, "first", "sqlite 1", "sqlite"),
        ]);

        module.ScriptsFor("sqlite").Select(s => s.Sql).ShouldBe(["sqlite 1", "shared 2"]);
        module.ScriptsFor("postgres").Select(s => s.Sql).ShouldBe(["shared 1", "shared 2"]);
    }

    [Fact]
    public void ScriptsFor_VersionWithoutScriptForTheEngine_ThrowsNamingIt()
    {
        var module = MigrationModule.FromScripts("m", [new(1, "only_pg", "x", "postgres")]);

        Should.Throw<ProxyKitException>(() => module.ScriptsFor("sqlite")).Message.ShouldContain("0001");
    }

    [Fact]
    public void ScriptsFor_TwoScriptsOneVersion_Throws()
    {
        var module = MigrationModule.FromScripts("m", [new(1, "a", "x"), new(1, "b", "y")]);

        Should.Throw<ProxyKitException>(() => module.ScriptsFor("sqlite"));
    }

    [Theory]
    [InlineData("")]
    [InlineData("Upper")]
    [InlineData("has space")]
    public void FromScripts_BadModuleName_Throws(string name) =>
        Should.Throw<ArgumentException>(() => MigrationModule.FromScripts(name, []));

    [Fact]
    public void FromAssembly_EmbeddedMigrations_AreFoundAndParsed()
    {
        // This test assembly embeds Migrations/0001_create_sample.sql and 0002_add_column.postgres.sql (see the csproj).
        var module = MigrationModule.FromAssembly("sample", typeof(MigrationModuleTests).Assembly);

        module.ScriptsFor("postgres").Select(s => (s.Version, s.Description, s.Dialect)).ShouldBe([(1, "create_sample", (string?)null), (2, "add_column", "postgres")]);
        Should.Throw<ProxyKitException>(() => module.ScriptsFor("sqlite"));
        module.Assembly.ShouldBe(typeof(MigrationModuleTests).Assembly);
    }
}
