using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using ProxyKit.Storage;

namespace ProxyKit.Accounts.Keys;

/// <summary>
/// Writes <c>accounts_api_keys.last_used_at</c> off the verification path: uses are queued (bounded, dropping when the
/// writer falls behind) and written in batches by one loop, started with the first use and drained on disposal. The
/// statement itself skips keys recorded less than <see cref="Interval"/> ago, so hosts together write a key at most
/// once a minute.
/// </summary>
internal sealed class LastUseRecorder : IAsyncDisposable
{
    public const int QueueCapacity = 10_000;
    public const int BatchSize = 256;
    public static readonly TimeSpan Interval = TimeSpan.FromMinutes(1);

    private readonly ProxyKitDatabase _database;
    private readonly ILogger _logger;
    private readonly Channel<(string KeyId, DateTimeOffset At)> _queue;
    private readonly Lock _gate = new();
    private Task? _loop;
    private bool _disposed;
    private long _recorded;
    private long _dropped;

    public LastUseRecorder(ProxyKitDatabase database, ILogger logger)
    {
        _database = database;
        _logger = logger;
        _queue = Channel.CreateBounded<(string, DateTimeOffset)>(
            new BoundedChannelOptions(QueueCapacity) { FullMode = BoundedChannelFullMode.DropWrite, SingleReader = true },
            _ => Interlocked.Increment(ref _dropped));
    }

    /// <summary>Gets how many uses were handed to <see cref="Record"/> (tests: the once-a-minute throttle).</summary>
    public long Recorded => Interlocked.Read(ref _recorded);

    /// <summary>Queues a use; never blocks.</summary>
    public void Record(string keyId, DateTimeOffset at)
    {
        Interlocked.Increment(ref _recorded);
        _queue.Writer.TryWrite((keyId, at));
        if (Volatile.Read(ref _loop) is null)
        {
            Start();
        }
    }

    public async ValueTask DisposeAsync()
    {
        Task? loop;
        lock (_gate)
        {
            _disposed = true;
            loop = _loop;
        }

        _queue.Writer.TryComplete();
        if (loop is not null)
        {
            await loop.ConfigureAwait(false); // drains what was queued; never faults
        }
    }

    private void Start()
    {
        lock (_gate)
        {
            if (_loop is not null || _disposed)
            {
                return;
            }

            _loop = StartDetached(RunAsync);
        }
    }

    /// <summary>Starts background work that outlives the request that happened to start it, without that request's ambient state.</summary>
    internal static Task StartDetached(Func<Task> work)
    {
        if (ExecutionContext.IsFlowSuppressed())
        {
            return work();
        }

        using (ExecutionContext.SuppressFlow())
        {
            return work();
        }
    }

    private async Task RunAsync()
    {
        await Task.Yield(); // never on the verifying caller's stack
        var batch = new List<(string KeyId, DateTimeOffset At)>(BatchSize);
        while (await _queue.Reader.WaitToReadAsync().ConfigureAwait(false))
        {
            while (batch.Count < BatchSize && _queue.Reader.TryRead(out var use))
            {
                batch.Add(use);
            }

            if (batch.Count == 0)
            {
                continue;
            }

            var dropped = Interlocked.Exchange(ref _dropped, 0);
            if (dropped > 0)
            {
                Log.LastUseDropped(_logger, dropped);
            }

            try
            {
                await WriteAsync(batch).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                Log.LastUseWriteFailed(_logger, ex, batch.Count);
            }

            batch.Clear();
        }
    }

    private async Task WriteAsync(List<(string KeyId, DateTimeOffset At)> batch)
    {
        var connection = await _database.OpenConnectionAsync().ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var transaction = await _database.Dialect.BeginWriteTransactionAsync(connection, CancellationToken.None).ConfigureAwait(false);
            await using (transaction.ConfigureAwait(false))
            {
                // One prepared shape, its parameters reset per key (created from the first key so their types are inferred once).
                var (firstKey, firstAt) = batch[0];
                using var update = connection.CreateCommand(
                    "UPDATE accounts_api_keys SET last_used_at = @at WHERE id = @id AND (last_used_at IS NULL OR last_used_at <= @since)",
                    transaction).With("at", firstAt).With("id", firstKey).With("since", firstAt - Interval);
                foreach (var (keyId, at) in batch)
                {
                    update.Parameters[0].Value = at.ToUniversalTime();
                    update.Parameters[1].Value = keyId;
                    update.Parameters[2].Value = (at - Interval).ToUniversalTime();
                    await update.ExecuteNonQueryAsync().ConfigureAwait(false);
                }

                await transaction.CommitAsync().ConfigureAwait(false);
            }
        }
    }
}
