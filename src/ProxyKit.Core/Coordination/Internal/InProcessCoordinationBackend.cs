namespace ProxyKit.Coordination.Internal;

internal sealed class InProcessCoordinationBackend : ICoordinationBackend
{
    public string Name => "in-process";

    public bool IsShared => false;

    public ValueTask<bool> PingAsync(CancellationToken cancellationToken = default) => ValueTask.FromResult(true);
}
