using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;

namespace ProxyKit.Server.Tests;

/// <summary>The sample server in-memory, on its own SQLite file unless a test configures otherwise.</summary>
public sealed class ServerFactory : WebApplicationFactory<Program>
{
    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("proxykit-server-");
    private readonly Dictionary<string, string?> _settings = new(StringComparer.OrdinalIgnoreCase);
    private readonly List<Action<IServiceCollection>> _services = [];

    /// <summary>Gets the folder holding this server's SQLite files.</summary>
    public string DataFolder => _folder.FullName;

    public ServerFactory With(string key, string? value)
    {
        _settings[key] = value;
        return this;
    }

    /// <summary>Replaces or adds services after the server's own registrations (e.g. a test DNS resolver).</summary>
    public ServerFactory WithServices(Action<IServiceCollection> configure)
    {
        _services.Add(configure);
        return this;
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.ConfigureTestServices(services => _services.ForEach(configure => configure(services)));
        builder.UseEnvironment("Testing");
        builder.UseSetting("ProxyKit:Sqlite:ConnectionString", $"Data Source={Path.Combine(_folder.FullName, "server.db")}");
        builder.UseSetting("ProxyKit:Secrets:KeyFile", Path.Combine(_folder.FullName, "secrets.key"));
        builder.UseSetting("ProxyKit:Secrets:CreateKeyFileIfMissing", "true");

        // Background loops would race the requests a test makes (a new source is due at once); tests that want them opt in.
        builder.UseSetting("ProxyKit:Server:RunWorkers", "false");
        foreach (var (key, value) in _settings)
        {
            builder.UseSetting(key, value);
        }
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();

        // A connection still returning to the pool as the host stops can create or drop a -wal/-shm file while the folder
        // is being removed ("Directory not empty"): try again shortly.
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                _folder.Delete(recursive: true);
                return;
            }
            catch (IOException) when (attempt < 10)
            {
                await Task.Delay(100);
                Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            }
        }
    }
}
