using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;

namespace ProxyKit.Testing.Networking;

/// <summary>
/// A real userspace WireGuard interface for one test (root only): <c>wireguard-go -f</c> under a unique name, optionally
/// inside a network namespace, with its UAPI control socket in /var/run/wireguard. Killed and removed on dispose.
/// </summary>
public sealed class WireGuardGoInterface : IAsyncDisposable
{
    public const string SocketDirectory = "/var/run/wireguard";

    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(10);

    private readonly Process _process;
    private readonly string? _networkNamespace;
    private readonly StringBuilder _output;

    private WireGuardGoInterface(string name, Process process, string? networkNamespace, StringBuilder output)
    {
        Name = name;
        _process = process;
        _networkNamespace = networkNamespace;
        _output = output;
    }

    /// <summary>The interface name (also the socket's): "pkwg" and 8 random hex digits.</summary>
    public string Name { get; }

    public string SocketPath => Path.Combine(SocketDirectory, Name + ".sock");

    /// <summary>What wireguard-go printed so far.</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>Why wireguard-go cannot run here, or <see langword="null"/> when it can.</summary>
    public static async Task<string?> MissingPrerequisiteAsync()
    {
        if (!OperatingSystem.IsLinux())
        {
            return "needs Linux";
        }

        if (!await ProcessRunner.IsRootAsync())
        {
            return "needs root";
        }

        if (FindOnPath("wireguard-go") is null)
        {
            return "needs wireguard-go (apt-get install --no-install-recommends wireguard-go)";
        }

        return File.Exists("/dev/net/tun") ? null : "needs /dev/net/tun";
    }

    /// <summary>Skips the test when wireguard-go cannot run here; under CI (<c>CI=true</c>) fails it instead.</summary>
    public static async Task RequireAsync()
    {
        var missing = await MissingPrerequisiteAsync();
        if (missing is not null && TestEnvironment.IsCi)
        {
            throw new InvalidOperationException($"WireGuard test {missing} (CI must not skip).");
        }

        Skip.If(missing is not null, $"WireGuard test {missing}.");
    }

    /// <summary>Starts wireguard-go and waits for its control socket.</summary>
    public static async Task<WireGuardGoInterface> StartAsync(string? networkNamespace = null)
    {
        var name = "pkwg" + RandomNumberGenerator.GetHexString(8, lowercase: true);
        var info = new ProcessStartInfo(networkNamespace is null ? "wireguard-go" : "ip")
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        if (networkNamespace is not null)
        {
            foreach (var argument in new[] { "netns", "exec", networkNamespace, "wireguard-go" })
            {
                info.ArgumentList.Add(argument);
            }
        }

        info.ArgumentList.Add("-f");
        info.ArgumentList.Add(name);

        var output = new StringBuilder();
        var process = new Process { StartInfo = info };
        process.OutputDataReceived += (_, e) => Append(output, e.Data);
        process.ErrorDataReceived += (_, e) => Append(output, e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        var wg = new WireGuardGoInterface(name, process, networkNamespace, output);
        try
        {
            var stopwatch = Stopwatch.StartNew();
            while (!File.Exists(wg.SocketPath))
            {
                if (process.HasExited)
                {
                    throw new InvalidOperationException($"wireguard-go -f {name} exited with code {process.ExitCode} before opening {wg.SocketPath}: {wg.Output}");
                }

                if (stopwatch.Elapsed > StartTimeout)
                {
                    throw new TimeoutException($"wireguard-go -f {name} did not open {wg.SocketPath} within {StartTimeout.TotalSeconds:0} s: {wg.Output}");
                }

                await Task.Delay(20);
            }

            return wg;
        }
        catch
        {
            await wg.DisposeAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            _process.Kill(entireProcessTree: true);
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await _process.WaitForExitAsync(cts.Token);
        }
        catch (Exception ex) when (ex is InvalidOperationException or OperationCanceledException)
        {
            // Already gone, or stuck: the link and socket are removed below either way.
        }

        _process.Dispose();

        // Killed, it neither removes its socket nor (if anything keeps the tun open) the link: both are removed here.
        await ProcessRunner.RunAsync("ip", _networkNamespace is null ? ["link", "del", Name] : ["-n", _networkNamespace, "link", "del", Name]);
        File.Delete(SocketPath);
    }

    private static void Append(StringBuilder output, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (output)
        {
            output.AppendLine(line);
        }
    }

    private static string? FindOnPath(string program) =>
        (Environment.GetEnvironmentVariable("PATH") ?? string.Empty)
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(directory => Path.Combine(directory, program))
            .FirstOrDefault(File.Exists);
}
