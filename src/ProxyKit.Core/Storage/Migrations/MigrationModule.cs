using System.Globalization;
using System.Reflection;

namespace ProxyKit.Storage.Migrations;

/// <summary>
/// The numbered schema scripts of one package (module). Scripts are embedded resources named
/// <c>&lt;Assembly&gt;.Migrations.NNNN_description.sql</c> (every engine) or
/// <c>NNNN_description.&lt;engine&gt;.sql</c> (one engine; wins over the shared script of the same number).
/// </summary>
public sealed class MigrationModule
{
    private readonly IReadOnlyList<MigrationScript> _scripts;

    private MigrationModule(string name, IReadOnlyList<MigrationScript> scripts, Assembly? assembly)
    {
        if (string.IsNullOrEmpty(name) || name.Length > 64 || !name.All(static c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '_' or '.'))
        {
            throw new ArgumentException($"Migration module name '{name}' must be 1-64 characters of a-z, 0-9, '_' and '.'.", nameof(name));
        }

        Name = name;
        _scripts = scripts;
        Assembly = assembly;
    }

    /// <summary>Gets the module name recorded with every applied script (e.g. <c>accounts</c>).</summary>
    public string Name { get; }

    /// <summary>Gets the assembly the scripts were read from, or <see langword="null"/> for scripts given in code.</summary>
    public Assembly? Assembly { get; }

    /// <summary>Creates a module from the embedded <c>Migrations/*.sql</c> resources of <paramref name="assembly"/>.</summary>
    public static MigrationModule FromAssembly(string name, Assembly assembly)
    {
        ArgumentNullException.ThrowIfNull(assembly);
        var prefix = assembly.GetName().Name + ".Migrations.";
        var scripts = new List<MigrationScript>();
        foreach (var resource in assembly.GetManifestResourceNames())
        {
            if (!resource.StartsWith(prefix, StringComparison.Ordinal) || !resource.EndsWith(".sql", StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            using var stream = assembly.GetManifestResourceStream(resource)!;
            using var reader = new StreamReader(stream);
            scripts.Add(ParseFileName(resource[prefix.Length..^4], reader.ReadToEnd()));
        }

        return new MigrationModule(name, scripts, assembly);
    }

    /// <summary>Creates a module from scripts given in code.</summary>
    public static MigrationModule FromScripts(string name, IEnumerable<MigrationScript> scripts)
    {
        ArgumentNullException.ThrowIfNull(scripts);
        return new MigrationModule(name, scripts.ToList(), assembly: null);
    }

    /// <summary>Gets the scripts that run on <paramref name="dialect"/>, one per version, in order.</summary>
    /// <exception cref="ProxyKitException">Two scripts claim one version for one engine, or a version has no script for the engine.</exception>
    public IReadOnlyList<MigrationScript> ScriptsFor(string dialect)
    {
        var result = new List<MigrationScript>();
        foreach (var version in _scripts.GroupBy(s => s.Version).OrderBy(g => g.Key))
        {
            var specific = version.Where(s => string.Equals(s.Dialect, dialect, StringComparison.OrdinalIgnoreCase)).ToList();
            var shared = version.Where(s => s.Dialect is null).ToList();
            if (specific.Count > 1 || shared.Count > 1)
            {
                throw new ProxyKitException($"Migration module '{Name}' has more than one script numbered {version.Key:D4} for engine '{dialect}'.");
            }

            var script = specific.FirstOrDefault() ?? shared.FirstOrDefault()
                ?? throw new ProxyKitException($"Migration module '{Name}' has no script numbered {version.Key:D4} for engine '{dialect}' (only for {string.Join(", ", version.Select(s => s.Dialect))}).");
            result.Add(script);
        }

        return result;
    }

    /// <inheritdoc />
    public override string ToString() => Name;

    private static MigrationScript ParseFileName(string fileName, string sql)
    {
        // "0001_create_users" or "0001_create_users.postgres"
        var parts = fileName.Split('.');
        var underscore = parts[0].IndexOf('_', StringComparison.Ordinal);
        if (parts.Length > 2 || underscore <= 0
            || !int.TryParse(parts[0].AsSpan(0, underscore), NumberStyles.None, CultureInfo.InvariantCulture, out var version) || version <= 0)
        {
            throw new ProxyKitException($"Migration resource '{fileName}.sql' is not named NNNN_description.sql or NNNN_description.<engine>.sql.");
        }

        return new MigrationScript(version, parts[0][(underscore + 1)..], sql, parts.Length == 2 ? parts[1] : null);
    }
}
