using System.Collections.ObjectModel;
using System.Text;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ProxyKit.Coordination;

namespace ProxyKit.Pool.Notifications;

/// <summary>
/// The real <see cref="IPoolEvents"/>: stamps each event (a version 7 GUID id, the <see cref="TimeProvider"/>'s time),
/// queues it for every notifier with a matching subscription and for the event bus (topic <c>pool.&lt;type&gt;</c>, the
/// webhook JSON as payload), and returns at once. Each notifier has its own bounded queue and delivery loop, so a slow
/// notifier delays only itself; a full queue drops the new event for that notifier and logs it.
/// </summary>
/// <remarks>
/// <para>
/// Cluster delivery: this host's notifiers receive the events this host publishes, and nothing from the bus. Every event
/// happens on exactly one host (cluster-wide conditions such as <c>proxy.pool_low</c> are decided by a conditional write in
/// the database, so only one host publishes them), so with the same notifier configuration on every host each event is
/// delivered once per cluster. Consuming the bus instead would deliver every event once per host with Redis, and electing
/// one deliverer per event would add a lock round trip per event for nothing. The bus copy is for other listeners
/// (dashboards, caches); its delivery is at most once, like the bus.
/// </para>
/// <para>
/// The delivery loops start with the dispatcher and end when it is disposed; <see cref="PoolEventDispatcherHost"/> lets a
/// host drain the queues within its shutdown timeout first.
/// </para>
/// </remarks>
internal sealed class PoolEventDispatcher : IPoolEvents, IAsyncDisposable
{
    private readonly Route[] _routes;
    private readonly Channel<PoolEvent> _busQueue;
    private readonly Task[] _loops;
    private readonly IEventBus _eventBus;
    private readonly TimeProvider _timeProvider;
    private readonly TimeSpan _deliveryTimeout;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stopping = new();
    private long _busDropped;
    private int _completed;
    private int _disposed;

    public PoolEventDispatcher(
        IEnumerable<IPoolNotifier> notifiers, IEventBus eventBus, TimeProvider timeProvider, IOptions<PoolOptions> options, ILogger<PoolEventDispatcher> logger)
    {
        ArgumentNullException.ThrowIfNull(notifiers);
        ArgumentNullException.ThrowIfNull(options);
        _eventBus = eventBus ?? throw new ArgumentNullException(nameof(eventBus));
        _timeProvider = timeProvider ?? throw new ArgumentNullException(nameof(timeProvider));
        _logger = logger ?? throw new ArgumentNullException(nameof(logger));
        var settings = options.Value.Notifications;
        _deliveryTimeout = settings.DeliveryTimeout;
        _routes = [.. notifiers.Select(n => new Route(n, NewQueue(settings.QueueCapacity)))];
        _busQueue = NewQueue(settings.QueueCapacity);
        _loops = [.. _routes.Select(DeliverLoopAsync), BusLoopAsync()];
    }

    /// <summary>Gets the notifiers events are routed to.</summary>
    public IReadOnlyList<IPoolNotifier> Notifiers => [.. _routes.Select(r => r.Notifier)];

    public ValueTask PublishAsync(string type, IReadOnlyDictionary<string, object?> data, CancellationToken cancellationToken = default)
    {
        Publish(type, data);
        return ValueTask.CompletedTask;
    }

    /// <summary>Stamps and queues an event; never blocks. Returns the event as queued.</summary>
    /// <exception cref="ArgumentException"><paramref name="type"/> is not a valid event type (a programming error).</exception>
    public PoolEvent Publish(string type, IReadOnlyDictionary<string, object?> data)
    {
        if (!EventPatterns.IsValidType(type))
        {
            throw new ArgumentException($"Event type '{type}' must be 1-{Coordination.CoordinationNames.MaxLength - EventPatterns.BusTopicPrefix.Length} letters, digits and '.', '_', '-', ':'.", nameof(type));
        }

        ArgumentNullException.ThrowIfNull(data);
        var now = _timeProvider.GetUtcNow();

        // A copy: the caller may reuse its dictionary while deliveries are still queued.
        var poolEvent = new PoolEvent(type, Guid.CreateVersion7(now).ToString(), now, new ReadOnlyDictionary<string, object?>(new Dictionary<string, object?>(data, StringComparer.Ordinal)));
        foreach (var route in _routes)
        {
            IReadOnlyList<string> subscriptions;
            try
            {
                subscriptions = route.Notifier.Subscriptions;
            }
            catch (Exception ex)
            {
                NotificationLog.NotifierFailed(_logger, route.Name, type, poolEvent.Id, ex);
                continue;
            }

            if (EventPatterns.MatchesAny(subscriptions, type) && !route.Queue.Writer.TryWrite(poolEvent))
            {
                LogDrop(route.Name, poolEvent, Interlocked.Increment(ref route.Dropped));
            }
        }

        if (!_busQueue.Writer.TryWrite(poolEvent))
        {
            LogDrop("(event bus)", poolEvent, Interlocked.Increment(ref _busDropped));
        }

        return poolEvent;
    }

    /// <summary>Stops accepting events and waits for queued deliveries until <paramref name="cancellationToken"/> is cancelled; then cancels what is left.</summary>
    public async Task DrainAsync(CancellationToken cancellationToken)
    {
        Complete();
        try
        {
            await Task.WhenAll(_loops).WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }

        if (Volatile.Read(ref _disposed) == 0)
        {
            await _stopping.CancelAsync().ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        // DI disposes the instance once per registration (PoolEventDispatcher and IPoolEvents).
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        Complete();
        await _stopping.CancelAsync().ConfigureAwait(false);
        await Task.WhenAll(_loops).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        var abandoned = _routes.Sum(r => r.Queue.Reader.Count) + _busQueue.Reader.Count;
        if (abandoned > 0)
        {
            NotificationLog.DeliveriesAbandoned(_logger, abandoned);
        }

        _stopping.Dispose();
    }

    private static Channel<PoolEvent> NewQueue(int capacity) =>
        Channel.CreateBounded<PoolEvent>(new BoundedChannelOptions(capacity)
        {
            FullMode = BoundedChannelFullMode.Wait, // with TryWrite: a full queue refuses the new event, which is then logged
            SingleReader = true,
            SingleWriter = false,
        });

    private void Complete()
    {
        if (Interlocked.Exchange(ref _completed, 1) == 0)
        {
            foreach (var route in _routes)
            {
                route.Queue.Writer.TryComplete();
            }

            _busQueue.Writer.TryComplete();
        }
    }

    private void LogDrop(string notifier, PoolEvent poolEvent, long dropped)
    {
        // The first drop, then every 1000th: an overflowing queue must not flood the log as well.
        if (dropped == 1 || dropped % 1000 == 0)
        {
            NotificationLog.EventDropped(_logger, notifier, poolEvent.Type, poolEvent.Id, dropped);
        }
    }

    private async Task DeliverLoopAsync(Route route)
    {
        await Task.Yield();
        try
        {
            await foreach (var poolEvent in route.Queue.Reader.ReadAllAsync(_stopping.Token).ConfigureAwait(false))
            {
                using var timeout = new CancellationTokenSource(_deliveryTimeout, _timeProvider);
                using var linked = CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token, timeout.Token);
                try
                {
                    await route.Notifier.NotifyAsync(poolEvent, linked.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
                {
                    return;
                }
                catch (OperationCanceledException) when (timeout.IsCancellationRequested)
                {
                    NotificationLog.NotifierTimedOut(_logger, route.Name, poolEvent.Type, poolEvent.Id, _deliveryTimeout);
                }
                catch (Exception ex)
                {
                    NotificationLog.NotifierFailed(_logger, route.Name, poolEvent.Type, poolEvent.Id, ex);
                }
            }
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
        }
    }

    private async Task BusLoopAsync()
    {
        await Task.Yield();
        try
        {
            await foreach (var poolEvent in _busQueue.Reader.ReadAllAsync(_stopping.Token).ConfigureAwait(false))
            {
                var topic = EventPatterns.BusTopicPrefix + poolEvent.Type;
                try
                {
                    await _eventBus.PublishAsync(topic, Encoding.UTF8.GetString(PoolEventJson.Serialize(poolEvent)), _stopping.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
                {
                    return;
                }
                catch (Exception ex)
                {
                    NotificationLog.BusPublishFailed(_logger, poolEvent.Type, poolEvent.Id, topic, ex);
                }
            }
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
        }
    }

    private sealed class Route(IPoolNotifier notifier, Channel<PoolEvent> queue)
    {
        public long Dropped;

        public IPoolNotifier Notifier { get; } = notifier;

        public Channel<PoolEvent> Queue { get; } = queue;

        public string Name { get; } = notifier.Name;
    }
}
