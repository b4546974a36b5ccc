using System.Collections.Concurrent;
using ProxyKit.Relay.Egress;

namespace ProxyKit.Relay.Tests.Support;

/// <summary>An <see cref="IOutboundConnector"/> that never touches the network: every attempt fails with one error, and is recorded.</summary>
internal sealed class FakeOutboundConnector(OutboundError error) : IOutboundConnector
{
    private readonly ConcurrentQueue<RelayTarget> _targets = new();

    public IReadOnlyList<RelayTarget> Targets => [.. _targets];

    public ValueTask<OutboundConnection> ConnectAsync(RelayTarget target, OutboundSettings settings, CancellationToken cancellationToken)
    {
        _targets.Enqueue(target);
        return ValueTask.FromResult(new OutboundConnection(null, error));
    }
}

/// <summary>Delegates to a real connector, but only once <see cref="Release"/> is called: shows what a client sees while the upstream connect is pending.</summary>
internal sealed class GatedOutboundConnector(IOutboundConnector inner) : IOutboundConnector
{
    private readonly TaskCompletionSource _gate = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _entered = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes when the relay has started connecting upstream.</summary>
    public Task Entered => _entered.Task;

    public void Release() => _gate.TrySetResult();

    public async ValueTask<OutboundConnection> ConnectAsync(RelayTarget target, OutboundSettings settings, CancellationToken cancellationToken)
    {
        _entered.TrySetResult();
        await _gate.Task.WaitAsync(cancellationToken);
        return await inner.ConnectAsync(target, settings, cancellationToken);
    }
}
