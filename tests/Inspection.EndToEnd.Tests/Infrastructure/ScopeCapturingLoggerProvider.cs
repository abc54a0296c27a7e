using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Inspection.EndToEnd.Tests.Infrastructure;

/// <summary>
/// Collects log entries together with the values of the scopes around them (the logger factory's scopes, which carry
/// the current trace and span id under <c>ActivityTrackingOptions</c>), so a test can check which trace a log line
/// belongs to.
/// </summary>
internal sealed class ScopeCapturingLoggerProvider : ILoggerProvider, ISupportExternalScope
{
    private IExternalScopeProvider _scopes = new LoggerExternalScopeProvider();

    public ConcurrentQueue<ScopedLogEntry> Entries { get; } = new();

    public ILogger CreateLogger(string categoryName) => new ScopedLogger(this, categoryName);

    public void SetScopeProvider(IExternalScopeProvider scopeProvider) => _scopes = scopeProvider;

    public void Dispose()
    {
    }

    private sealed class ScopedLogger(ScopeCapturingLoggerProvider owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => owner._scopes.Push(state);

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var scope = new Dictionary<string, string?>();
            owner._scopes.ForEachScope(
                static (value, values) =>
                {
                    if (value is IEnumerable<KeyValuePair<string, object?>> pairs)
                    {
                        foreach (var pair in pairs)
                        {
                            values[pair.Key] = pair.Value?.ToString();
                        }
                    }
                },
                scope);
            owner.Entries.Enqueue(new ScopedLogEntry(category, formatter(state, exception), scope));
        }
    }
}
