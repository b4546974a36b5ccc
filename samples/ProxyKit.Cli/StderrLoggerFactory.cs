using Microsoft.Extensions.Logging;

namespace ProxyKit.Cli;

/// <summary>
/// Writes log entries at or above a level to stderr as one line each ("warn: category: message"), so that a foreground
/// command shows the engine's warnings and errors without pulling in a logging stack.
/// </summary>
internal sealed class StderrLoggerFactory(LogLevel minimum, TextWriter error) : ILoggerFactory
{
    private readonly Lock _write = new();

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void AddProvider(ILoggerProvider provider) => throw new NotSupportedException("This factory writes to stderr only.");

    public void Dispose()
    {
    }

    private bool IsEnabled(LogLevel level) => level != LogLevel.None && level >= minimum;

    private void Write(LogLevel level, string category, string message, Exception? exception)
    {
        var tag = level switch
        {
            LogLevel.Trace => "trce",
            LogLevel.Debug => "dbug",
            LogLevel.Information => "info",
            LogLevel.Warning => "warn",
            LogLevel.Error => "fail",
            _ => "crit",
        };
        var line = exception is null ? $"{tag}: {category}: {message}" : $"{tag}: {category}: {message}: {exception.GetType().Name}: {exception.Message}";
        lock (_write)
        {
            error.WriteLine(line);
        }
    }

    private sealed class Logger(StderrLoggerFactory factory, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => factory.IsEnabled(logLevel);

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
            {
                factory.Write(logLevel, category, formatter(state, exception), exception);
            }
        }
    }
}
