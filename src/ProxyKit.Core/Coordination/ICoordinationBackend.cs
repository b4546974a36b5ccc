namespace ProxyKit.Coordination;

/// <summary>Which backend serves the coordination primitives, and whether it answers (for health endpoints).</summary>
public interface ICoordinationBackend
{
    /// <summary>Gets the backend name: <c>in-process</c> or <c>redis</c>.</summary>
    string Name { get; }

    /// <summary>Gets whether the backend is shared by every host (false for in-process).</summary>
    bool IsShared { get; }

    /// <summary>Checks that the backend answers.</summary>
    ValueTask<bool> PingAsync(CancellationToken cancellationToken = default);
}
