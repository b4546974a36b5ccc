namespace ProxyKit.Pool.Notifications;

/// <summary>
/// A notifier plugin: receives the pool events whose type matches one of its <see cref="Subscriptions"/> (glob patterns
/// such as <c>proxy.pool_low</c>, <c>credits.*</c>, <c>*</c>). Delivery problems are reflected in
/// <see cref="IsHealthy"/>, never thrown at the publisher. Register with <c>AddNotifier&lt;T&gt;()</c>.
/// </summary>
public interface IPoolNotifier
{
    /// <summary>Gets the unique name (shown in <c>GET /stats/plugins</c>), e.g. <c>webhook</c>.</summary>
    string Name { get; }

    /// <summary>Gets the event type patterns this notifier receives.</summary>
    IReadOnlyList<string> Subscriptions { get; }

    /// <summary>Gets whether recent deliveries succeeded.</summary>
    bool IsHealthy { get; }

    /// <summary>Delivers one event.</summary>
    ValueTask NotifyAsync(PoolEvent poolEvent, CancellationToken cancellationToken);
}

/// <summary>Something that happened in the pool.</summary>
/// <param name="Type">The event type: <c>proxy.pool_low</c>, <c>proxy.dead</c>, <c>source.failed</c>, <c>lease.acquired</c>, <c>lease.expired</c>, <c>credits.low</c>, <c>session_proxy.cooldown</c>.</param>
/// <param name="Id">A unique id (receivers de-duplicate retried deliveries with it).</param>
/// <param name="OccurredAt">When it happened.</param>
/// <param name="Data">Details; never secrets.</param>
public sealed record PoolEvent(string Type, string Id, DateTimeOffset OccurredAt, IReadOnlyDictionary<string, object?> Data);
