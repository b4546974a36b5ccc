using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace ProxyKit.Bench;

/// <summary>samples/ProxyKit.Server (Release build) as its own process on a free loopback port, in a temporary folder.</summary>
internal sealed class SampleServerProcess : IAsyncDisposable
{
    private readonly DirectoryInfo _folder;

    private SampleServerProcess(Process process, DirectoryInfo folder, HttpClient client)
    {
        Process = process;
        _folder = folder;
        Client = client;
    }

    public Process Process { get; }

    /// <summary>Gets a client whose base address is the server.</summary>
    public HttpClient Client { get; }

    /// <summary>Finds the Release build of the sample server, or <see langword="null"/>.</summary>
    public static string? Find()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "ProxyKit.sln")))
            {
                var dll = Path.Combine(directory.FullName, "samples", "ProxyKit.Server", "bin", "Release", "net10.0", "ProxyKit.Server.dll");
                return File.Exists(dll) ? dll : null;
            }
        }

        return null;
    }

    /// <summary>Starts the server with <paramref name="environment"/> (an embedded SQLite file in its folder unless overridden) and waits until it answers.</summary>
    public static async Task<SampleServerProcess> StartAsync(string serverDll, IReadOnlyDictionary<string, string> environment)
    {
        var folder = Directory.CreateTempSubdirectory("proxykit-bench-");
        var port = FreePort();
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = folder.FullName };
        start.ArgumentList.Add(serverDll);
        start.ArgumentList.Add("--urls");
        start.ArgumentList.Add($"http://127.0.0.1:{port}");
        start.Environment["ProxyKit__Sqlite__ConnectionString"] = $"Data Source={Path.Combine(folder.FullName, "bench.db")}";
        start.Environment["ProxyKit__Secrets__KeyFile"] = Path.Combine(folder.FullName, "secrets.key");
        start.Environment["ProxyKit__Secrets__CreateKeyFileIfMissing"] = "true";
        start.Environment["Logging__LogLevel__Default"] = "Warning";
        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        var process = Process.Start(start)!;
        _ = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        var server = new SampleServerProcess(process, folder, new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") });
        for (var i = 0; i < 300 && !process.HasExited; i++)
        {
            try
            {
                using var response = await server.Client.GetAsync("/api/health");
                if (response.IsSuccessStatusCode)
                {
                    return server;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }

            await Task.Delay(100);
        }

        await server.DisposeAsync();
        throw new InvalidOperationException("The server did not start: " + await errors);
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        if (!Process.HasExited)
        {
            Process.Kill(entireProcessTree: true);
        }

        await Process.WaitForExitAsync();
        Process.Dispose();
        _folder.Delete(recursive: true);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
