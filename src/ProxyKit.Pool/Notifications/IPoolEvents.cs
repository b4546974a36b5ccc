namespace ProxyKit.Pool.Notifications;

/// <summary>Where pool components report events (<c>proxy.dead</c>, <c>source.failed</c>, <c>lease.acquired</c>, ...); delivery never fails the caller.</summary>
internal interface IPoolEvents
{
    /// <summary>Publishes an event of <paramref name="type"/> with <paramref name="data"/> (no secrets).</summary>
    ValueTask PublishAsync(string type, IReadOnlyDictionary<string, object?> data, CancellationToken cancellationToken = default);
}
