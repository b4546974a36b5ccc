using System.Collections.Concurrent;
using ProxyKit.Coordination;
using StackExchange.Redis;

namespace ProxyKit.Redis.Internal;

/// <summary>
/// Events over Redis pub/sub. The host holds one pattern subscription for all ProxyKit topics and fans what
/// arrives out to local subscribers through an <see cref="InProcessEventBus"/>, so the publisher's own
/// subscribers receive its events the same way other hosts do (once, through Redis).
/// </summary>
internal sealed class RedisEventBus(RedisConnection connection, InProcessEventBus local, TimeProvider timeProvider) : IEventBus, IAsyncDisposable
{
    // Topics cannot contain control characters, so this marks the bus's own readiness probes.
    private const char ProbeMark = '\u0001';
    private static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(10);

    private readonly SemaphoreSlim _subscribeGate = new(1, 1);
    private readonly ConcurrentDictionary<string, TaskCompletionSource> _probes = new(StringComparer.Ordinal);
    private ISubscriber? _subscriber;
    private RedisChannel _allTopics;
    private Action<RedisChannel, RedisValue>? _onMessage;

    private string ChannelPrefix => connection.KeyPrefix + "events:";

    public async ValueTask PublishAsync(string topic, string payload, CancellationToken cancellationToken = default)
    {
        CoordinationNames.ThrowIfInvalidTopic(topic);
        ArgumentNullException.ThrowIfNull(payload);
        var multiplexer = await connection.GetMultiplexerAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await multiplexer.GetSubscriber().PublishAsync(new RedisChannel(ChannelPrefix + topic, RedisChannel.PatternMode.Literal), payload)
                .WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            throw RedisConnection.Unavailable(ex);
        }
    }

    public async ValueTask<IAsyncDisposable> SubscribeAsync(string pattern, Func<EventMessage, CancellationToken, ValueTask> handler, CancellationToken cancellationToken = default)
    {
        CoordinationNames.ThrowIfInvalidPattern(pattern);
        ArgumentNullException.ThrowIfNull(handler);
        await EnsureSubscribedAsync(cancellationToken).ConfigureAwait(false);
        return await local.SubscribeAsync(pattern, handler, cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        if (_subscriber is { } subscriber)
        {
            try
            {
                await subscriber.UnsubscribeAsync(_allTopics).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is RedisException or TimeoutException)
            {
                // The connection is going away with the host anyway.
            }
        }

        await local.DisposeAsync().ConfigureAwait(false);
        _subscribeGate.Dispose();
    }

    private async ValueTask EnsureSubscribedAsync(CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref _subscriber) is not null)
        {
            return;
        }

        await _subscribeGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_subscriber is not null)
            {
                return;
            }

            var prefix = ChannelPrefix;
            _allTopics = new RedisChannel(prefix + "*", RedisChannel.PatternMode.Pattern);
            ISubscriber? subscriber = null;
            try
            {
                await connection.RetryWhileEstablishingAsync(
                    async (multiplexer, ct) =>
                    {
                        subscriber = multiplexer.GetSubscriber();
                        await SubscribeAndProbeAsync(subscriber, prefix, ct).ConfigureAwait(false);
                    },
                    timeProvider,
                    cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException ex) when (!cancellationToken.IsCancellationRequested)
            {
                throw RedisConnection.Unavailable(ex);
            }

            Volatile.Write(ref _subscriber, subscriber!);
        }
        finally
        {
            _subscribeGate.Release();
        }
    }

    private void OnMessage(string prefix, RedisChannel channel, RedisValue value)
    {
        var name = (string?)channel;
        if (name is null || name.Length <= prefix.Length)
        {
            return;
        }

        var topic = name[prefix.Length..];
        if (topic[0] == ProbeMark)
        {
            if (_probes.TryRemove(topic, out var probe))
            {
                probe.TrySetResult();
            }

            return;
        }

        // Handlers run on the local bus's own loops, never on the multiplexer's reader thread.
        local.Publish(topic, (string?)value ?? string.Empty);
    }

    private async Task SubscribeAndProbeAsync(ISubscriber subscriber, string prefix, CancellationToken cancellationToken)
    {
        // A retry first drops the handler an earlier attempt registered locally, so no event is ever delivered twice.
        if (_onMessage is { } registered)
        {
            try
            {
                await subscriber.UnsubscribeAsync(_allTopics, registered).WaitAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is RedisException or TimeoutException)
            {
                // Removed locally regardless; the server forgets the subscription with the failed connection.
            }
        }

        _onMessage = (channel, value) => OnMessage(prefix, channel, value);
        await subscriber.SubscribeAsync(_allTopics, _onMessage).WaitAsync(cancellationToken).ConfigureAwait(false);

        // The subscribe call may return before the server applies it: an event published right after would be
        // lost. A probe that comes back through the subscription proves it is live.
        var probeTopic = ProbeMark + Guid.NewGuid().ToString("N");
        var arrived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _probes[probeTopic] = arrived;
        try
        {
            using var deadline = new CancellationTokenSource(ProbeTimeout, timeProvider);
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
            while (!arrived.Task.IsCompleted)
            {
                await subscriber.PublishAsync(new RedisChannel(prefix + probeTopic, RedisChannel.PatternMode.Literal), string.Empty).WaitAsync(timeout.Token).ConfigureAwait(false);
                await Task.WhenAny(arrived.Task, Task.Delay(TimeSpan.FromMilliseconds(50), timeProvider, timeout.Token)).ConfigureAwait(false);
                timeout.Token.ThrowIfCancellationRequested();
            }
        }
        finally
        {
            _probes.TryRemove(probeTopic, out _);
        }
    }
}
