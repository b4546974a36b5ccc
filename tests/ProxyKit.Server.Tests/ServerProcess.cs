using System.Diagnostics;

namespace ProxyKit.Server.Tests;

/// <summary>
/// Runs the built server as a real process. Start-up failures are asserted this way: in-memory hosts that fail to start
/// can surface a racing ObjectDisposedException instead of the real error.
/// </summary>
internal static class ServerProcess
{
    /// <summary>Starts the server with <paramref name="settings"/> (configuration keys), expects it to exit, and returns its exit code and output.</summary>
    public static async Task<(int ExitCode, string Output)> RunUntilExitAsync(params (string Key, string Value)[] settings)
    {
        var contentRoot = Directory.CreateTempSubdirectory("proxykit-fail-");
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = contentRoot.FullName,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.ArgumentList.Add(typeof(Program).Assembly.Location);
        start.ArgumentList.Add("--urls");
        start.ArgumentList.Add("http://127.0.0.1:0");
        start.ArgumentList.Add("--contentRoot");
        start.ArgumentList.Add(contentRoot.FullName);
        foreach (var key in start.Environment.Keys.Where(k => k.StartsWith("ProxyKit__", StringComparison.OrdinalIgnoreCase)).ToList())
        {
            start.Environment.Remove(key);
        }

        foreach (var (key, value) in settings)
        {
            start.Environment[key.Replace(":", "__", StringComparison.Ordinal)] = value;
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            await process.WaitForExitAsync(timeout.Token);
            return (process.ExitCode, await output + await error);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException("The server kept running although its configuration is invalid.");
        }
        finally
        {
            contentRoot.Delete(recursive: true);
        }
    }
}
