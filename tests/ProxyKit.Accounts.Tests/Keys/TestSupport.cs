using System.Collections.Concurrent;
using System.Data.Common;
using Microsoft.Extensions.Logging;

namespace ProxyKit.Accounts.Tests.Keys;

/// <summary>Records every log entry, fully formatted, with its structured values and exception.</summary>
internal sealed class CapturingLogger<T> : ILogger<T>
{
    private readonly ConcurrentQueue<string> _entries = new();

    public IReadOnlyList<string> Entries => [.. _entries];

    public string AllText => string.Join('\n', _entries);

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        var values = state is IEnumerable<KeyValuePair<string, object?>> pairs ? string.Join(", ", pairs.Select(p => $"{p.Key}={p.Value}")) : string.Empty;
        _entries.Enqueue($"{logLevel} {eventId.Id} {formatter(state, exception)} [{values}] {exception}");
    }
}

/// <summary>A data source that counts the connections opened through it (to prove a path never queries).</summary>
internal sealed class CountingDataSource(DbDataSource inner) : DbDataSource
{
    private int _opens;

    public int Opens => Volatile.Read(ref _opens);

    public override string ConnectionString => inner.ConnectionString;

    protected override DbConnection CreateDbConnection()
    {
        Interlocked.Increment(ref _opens);
        return inner.CreateConnection();
    }

    protected override DbConnection OpenDbConnection()
    {
        Interlocked.Increment(ref _opens);
        return inner.OpenConnection();
    }

    protected override async ValueTask<DbConnection> OpenDbConnectionAsync(CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _opens);
        return await inner.OpenConnectionAsync(cancellationToken);
    }
}

internal static class Eventually
{
    /// <summary>Polls <paramref name="condition"/> on the real clock until it holds or <paramref name="timeout"/> passes.</summary>
    public static async Task<bool> HoldsAsync(Func<Task<bool>> condition, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(10));
        while (true)
        {
            if (await condition())
            {
                return true;
            }

            if (DateTime.UtcNow > deadline)
            {
                return false;
            }

            await Task.Delay(10);
        }
    }
}
