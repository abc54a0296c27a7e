using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Inspection.EdgeAgent.Tests.TestSupport;

/// <summary>
/// Collects log entries with their event id and structured values, so tests assert on what was logged (event
/// 1101 with DelaySeconds = 5) rather than on its wording; the message is kept for failure output.
/// </summary>
internal sealed class ListLoggerProvider : ILoggerProvider
{
    public ConcurrentQueue<LogEntry> Entries { get; } = new();

    public ILogger CreateLogger(string categoryName) => new ListLogger(this, categoryName);

    public ILogger<T> CreateLogger<T>() => new Logger<T>(new ListLoggerFactory(this));

    public void Dispose()
    {
    }

    private sealed class ListLogger(ListLoggerProvider owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            owner.Entries.Enqueue(new LogEntry(
                logLevel,
                category,
                eventId.Id,
                formatter(state, exception),
                state is IEnumerable<KeyValuePair<string, object?>> values
                    ? values.Where(v => v.Key != "{OriginalFormat}").ToDictionary(v => v.Key, v => v.Value)
                    : new Dictionary<string, object?>()));
    }

    private sealed class ListLoggerFactory(ListLoggerProvider provider) : ILoggerFactory
    {
        public void AddProvider(ILoggerProvider provider)
        {
        }

        public ILogger CreateLogger(string categoryName) => provider.CreateLogger(categoryName);

        public void Dispose()
        {
        }
    }
}
