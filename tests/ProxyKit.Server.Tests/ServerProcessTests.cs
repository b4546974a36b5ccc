using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using ProxyKit.Testing;

namespace ProxyKit.Server.Tests;

/// <summary>The server as an operator runs it: a real process on a real loopback port, with its embedded defaults.</summary>
public sealed class ServerProcessTests
{
    [Fact]
    public Task RealProcess_EmbeddedDefaults_ServesHealthAndCreatesTheSqliteFileUnderItsContentRoot() =>
        RunServerAsync(environment: [], expectedDatabase: Path.Combine("data", "proxykit.db"));

    [Fact]
    public Task RealProcess_EnvironmentVariableConfiguration_IsHonoured() =>
        RunServerAsync(environment: [("ProxyKit__Sqlite__ConnectionString", "Data Source=./from-env/custom.db")], expectedDatabase: Path.Combine("from-env", "custom.db"));

    private static async Task RunServerAsync((string Name, string Value)[] environment, string expectedDatabase)
    {
        var serverDll = typeof(Program).Assembly.Location;
        var contentRoot = Directory.CreateTempSubdirectory("proxykit-process-");
        var port = TestNetwork.UnusedLoopbackPort();
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = contentRoot.FullName,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.ArgumentList.Add(serverDll);
        start.ArgumentList.Add("--urls");
        start.ArgumentList.Add($"http://127.0.0.1:{port}");
        start.ArgumentList.Add("--contentRoot");
        start.ArgumentList.Add(contentRoot.FullName);
        foreach (var key in start.Environment.Keys.Where(k => k.StartsWith("ProxyKit__", StringComparison.OrdinalIgnoreCase)).ToList())
        {
            start.Environment.Remove(key);
        }

        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        try
        {
            using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
            var body = await PollHealthAsync(client, process);

            body.GetProperty("status").GetString().ShouldBe("healthy");
            body.GetProperty("storage").GetString().ShouldBe("sqlite");
            File.Exists(Path.Combine(contentRoot.FullName, expectedDatabase)).ShouldBeTrue();
        }
        finally
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            await output;
            contentRoot.Delete(recursive: true);
        }
    }

    private static async Task<JsonElement> PollHealthAsync(HttpClient client, Process process)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            try
            {
                return await client.GetFromJsonAsync<JsonElement>("/health");
            }
            catch (HttpRequestException) when (DateTime.UtcNow < deadline && !process.HasExited)
            {
                await Task.Delay(100);
            }
        }
    }
}
