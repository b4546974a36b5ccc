using System.Diagnostics;
using System.Text;

namespace ProxyKit.Cli.Tests;

/// <summary>The built CLI (<c>dotnet proxykit.dll ...</c>) as a real child process with its output captured.</summary>
internal sealed class CliProcess : IDisposable
{
    private readonly Process _process;
    private readonly Task<string> _error;

    private CliProcess(Process process)
    {
        _process = process;
        _error = process.StandardError.ReadToEndAsync();
    }

    public int Id => _process.Id;

    public static CliProcess Start(params string[] args) => Start(standardInput: null, args);

    /// <summary>Starts the CLI with <paramref name="input"/> on its standard input (then closed).</summary>
    public static CliProcess StartWithInput(string input, params string[] args) => Start(input, args);

    private static CliProcess Start(string? standardInput, string[] args)
    {
        var info = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardInput = standardInput is not null,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
        };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "proxykit.dll"));
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        var process = new CliProcess(Process.Start(info) ?? throw new InvalidOperationException("dotnet did not start"));
        if (standardInput is not null)
        {
            process._process.StandardInput.Write(standardInput);
            process._process.StandardInput.Close();
        }

        return process;
    }

    public async Task<string> ReadLineAsync(CancellationToken cancellationToken) =>
        await _process.StandardOutput.ReadLineAsync(cancellationToken) ?? throw new EndOfStreamException($"proxykit exited: {await _error}");

    public async Task SignalAsync(string signal)
    {
        using var kill = Process.Start("kill", ["-" + signal, Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        await kill.WaitForExitAsync();
        kill.ExitCode.ShouldBe(0);
    }

    /// <summary>Waits for the exit; returns the exit code and the rest of stdout and stderr.</summary>
    public async Task<(int ExitCode, string Output, string Error)> WaitForExitAsync(CancellationToken cancellationToken)
    {
        var output = await _process.StandardOutput.ReadToEndAsync(cancellationToken);
        await _process.WaitForExitAsync(cancellationToken);
        return (_process.ExitCode, output, await _error);
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        _process.Dispose();
    }
}
