namespace ProxyKit.Coordination;

/// <summary>
/// Publish/subscribe by topic. Topics are dotted names (<c>proxy.pool_low</c>, <c>credits.low</c>);
/// subscriptions use patterns where <c>*</c> matches any run of characters (<c>proxy.*</c>, <c>*</c>).
/// With Redis configured an event reaches the subscribers of every host, the publisher's included.
/// </summary>
/// <remarks>
/// Delivery is at most once and asynchronous: handlers of one subscription run one at a time in publish
/// order; a handler that throws is logged and the next event is delivered. Use the event bus for
/// notifications and cache invalidation, not for work that must not be lost (that belongs in the database).
/// </remarks>
public interface IEventBus
{
    /// <summary>Publishes <paramref name="payload"/> on <paramref name="topic"/>.</summary>
    /// <param name="topic">Letters, digits and <c>. _ - :</c>; no <c>*</c>.</param>
    /// <param name="payload">Any text, usually JSON.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    ValueTask PublishAsync(string topic, string payload, CancellationToken cancellationToken = default);

    /// <summary>Subscribes <paramref name="handler"/> to every topic matching <paramref name="pattern"/> until the returned handle is disposed.</summary>
    /// <param name="pattern">A topic with <c>*</c> wildcards.</param>
    /// <param name="handler">Receives matching events; its token is cancelled when the subscription ends.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    ValueTask<IAsyncDisposable> SubscribeAsync(string pattern, Func<EventMessage, CancellationToken, ValueTask> handler, CancellationToken cancellationToken = default);
}
