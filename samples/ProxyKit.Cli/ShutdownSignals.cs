using System.Runtime.InteropServices;

namespace ProxyKit.Cli;

/// <summary>
/// SIGINT (Ctrl-C) and SIGTERM for a command that runs in the foreground: the first signal completes <see cref="Requested"/>
/// (a graceful stop), a second one cancels <see cref="Forced"/> (stop waiting). Either way the process is not killed, so the
/// command can finish and report.
/// </summary>
internal sealed class ShutdownSignals : IDisposable
{
    private readonly TaskCompletionSource<string> _requested = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource _forced = new();
    private readonly PosixSignalRegistration _interrupt;
    private readonly PosixSignalRegistration _terminate;
    private readonly CancellationTokenRegistration _cancelled;

    public ShutdownSignals(CancellationToken cancellationToken)
    {
        _interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
        _terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
        _cancelled = cancellationToken.Register(() => _requested.TrySetResult("cancelled"));
    }

    /// <summary>Gets a task that completes with the signal's name ("SIGINT", "SIGTERM") when a stop is first requested.</summary>
    public Task<string> Requested => _requested.Task;

    /// <summary>Gets a token cancelled by a second signal.</summary>
    public CancellationToken Forced => _forced.Token;

    public void Dispose()
    {
        _interrupt.Dispose();
        _terminate.Dispose();
        _cancelled.Dispose();
        _forced.Dispose();
    }

    private void OnSignal(PosixSignalContext context)
    {
        context.Cancel = true;
        if (!_requested.TrySetResult(context.Signal.ToString()))
        {
            try
            {
                _forced.Cancel();
            }
            catch (ObjectDisposedException)
            {
                // The command finished meanwhile.
            }
        }
    }
}
