using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace ProxyKit.Coordination;

/// <summary>
/// An event bus inside one process (the default without Redis; the Redis bus also fans received events out
/// through one). Each subscription has its own bounded queue and delivery loop, so a slow handler delays
/// only itself; when its queue is full, new events for it are dropped, counted and logged.
/// </summary>
public sealed class InProcessEventBus : IEventBus, IAsyncDisposable, IDisposable
{
    /// <summary>The default number of undelivered events a subscription may queue.</summary>
    public const int DefaultCapacity = 1024;

    private readonly ILogger _logger;
    private readonly int _capacity;
    private readonly Lock _gate = new();
    private Subscription[] _subscriptions = [];
    private bool _disposed;

    /// <summary>Creates a bus.</summary>
    /// <param name="logger">Receives handler failures and drop counts.</param>
    /// <param name="capacityPerSubscription">Undelivered events a subscription may queue before dropping new ones.</param>
    public InProcessEventBus(ILogger<InProcessEventBus>? logger = null, int capacityPerSubscription = DefaultCapacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacityPerSubscription, 1);
        _logger = logger ?? (ILogger)NullLogger.Instance;
        _capacity = capacityPerSubscription;
    }

    /// <inheritdoc />
    public ValueTask PublishAsync(string topic, string payload, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        Publish(topic, payload);
        return ValueTask.CompletedTask;
    }

    /// <summary>Publishes synchronously: queues the event for every matching subscription and returns at once.</summary>
    public void Publish(string topic, string payload)
    {
        CoordinationNames.ThrowIfInvalidTopic(topic);
        ArgumentNullException.ThrowIfNull(payload);

        var message = new EventMessage(topic, payload);
        foreach (var subscription in Volatile.Read(ref _subscriptions))
        {
            if (CoordinationNames.Matches(subscription.Pattern, topic))
            {
                subscription.Post(message);
            }
        }
    }

    /// <inheritdoc />
    public ValueTask<IAsyncDisposable> SubscribeAsync(string pattern, Func<EventMessage, CancellationToken, ValueTask> handler, CancellationToken cancellationToken = default)
    {
        CoordinationNames.ThrowIfInvalidPattern(pattern);
        ArgumentNullException.ThrowIfNull(handler);
        cancellationToken.ThrowIfCancellationRequested();

        var subscription = new Subscription(this, pattern, handler, _capacity, _logger);
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            _subscriptions = [.. _subscriptions, subscription];
        }

        subscription.Start();
        return ValueTask.FromResult<IAsyncDisposable>(subscription);
    }

    /// <summary>Ends every subscription, letting running handlers finish.</summary>
    public async ValueTask DisposeAsync()
    {
        Subscription[] subscriptions;
        lock (_gate)
        {
            _disposed = true;
            subscriptions = _subscriptions;
        }

        foreach (var subscription in subscriptions)
        {
            await subscription.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Ends every subscription without waiting for running handlers.</summary>
    public void Dispose()
    {
        Subscription[] subscriptions;
        lock (_gate)
        {
            _disposed = true;
            subscriptions = _subscriptions;
        }

        foreach (var subscription in subscriptions)
        {
            subscription.Stop();
        }
    }

    private void Remove(Subscription subscription)
    {
        lock (_gate)
        {
            _subscriptions = [.. _subscriptions.Where(s => !ReferenceEquals(s, subscription))];
        }
    }

    private sealed class Subscription : IAsyncDisposable
    {
        private readonly InProcessEventBus _bus;
        private readonly Func<EventMessage, CancellationToken, ValueTask> _handler;
        private readonly Channel<EventMessage> _queue;
        private readonly CancellationTokenSource _stopping = new();
        private readonly ILogger _logger;
        private Task _pump = Task.CompletedTask;
        private long _dropped;
        private int _disposed;

        public Subscription(InProcessEventBus bus, string pattern, Func<EventMessage, CancellationToken, ValueTask> handler, int capacity, ILogger logger)
        {
            _bus = bus;
            Pattern = pattern;
            _handler = handler;
            _logger = logger;
            _queue = Channel.CreateBounded<EventMessage>(
                new BoundedChannelOptions(capacity) { FullMode = BoundedChannelFullMode.DropWrite, SingleReader = true },
                _ => Interlocked.Increment(ref _dropped));
        }

        public string Pattern { get; }

        public void Start() => _pump = PumpAsync();

        public void Post(EventMessage message) => _queue.Writer.TryWrite(message);

        public async ValueTask DisposeAsync()
        {
            if (Stop())
            {
                await _pump.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }

        // Stops delivery; returns false when already stopped.
        public bool Stop()
        {
            if (Interlocked.Exchange(ref _disposed, 1) != 0)
            {
                return false;
            }

            _bus.Remove(this);
            _queue.Writer.TryComplete();
            _stopping.Cancel();
            return true;
        }

        private async Task PumpAsync()
        {
            await Task.Yield(); // never run handlers on the subscriber's stack
            var token = _stopping.Token;
            try
            {
                await foreach (var message in _queue.Reader.ReadAllAsync(token).ConfigureAwait(false))
                {
                    var dropped = Interlocked.Exchange(ref _dropped, 0);
                    if (dropped > 0)
                    {
                        Log.EventsDropped(_logger, Pattern, dropped);
                    }

                    try
                    {
                        await _handler(message, token).ConfigureAwait(false);
                    }
                    catch (OperationCanceledException) when (token.IsCancellationRequested)
                    {
                        return;
                    }
                    catch (Exception ex)
                    {
                        Log.EventHandlerFailed(_logger, ex, Pattern, message.Topic);
                    }
                }
            }
            catch (OperationCanceledException) when (token.IsCancellationRequested)
            {
                // Unsubscribed.
            }
        }
    }
}
