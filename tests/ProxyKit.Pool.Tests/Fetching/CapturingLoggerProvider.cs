using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace ProxyKit.Pool.Tests.Fetching;

/// <summary>Keeps every log entry at every level: the formatted message, the structured values and the exception text.</summary>
internal sealed class CapturingLoggerProvider : ILoggerProvider
{
    private readonly ConcurrentQueue<CapturedLog> _entries = new();

    public IReadOnlyList<CapturedLog> Entries => [.. _entries];

    /// <summary>Gets all captured text, one entry per line.</summary>
    public string AllText => string.Join('\n', _entries.Select(e => e.Text));

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose()
    {
    }

    private sealed class Logger(CapturingLoggerProvider owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var values = state is IEnumerable<KeyValuePair<string, object?>> pairs ? string.Join(", ", pairs.Select(p => $"{p.Key}={p.Value}")) : string.Empty;
            owner._entries.Enqueue(new CapturedLog(category, eventId, logLevel, formatter(state, exception), $"{formatter(state, exception)} | {values} | {exception}"));
        }
    }
}

internal sealed record CapturedLog(string Category, EventId EventId, LogLevel Level, string Message, string Text);
