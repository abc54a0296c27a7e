using Microsoft.Extensions.Logging;

namespace Inspection.EdgeAgent.Tests.TestSupport;

/// <summary>One captured log entry: its event id and the values of its message template.</summary>
internal sealed record LogEntry(LogLevel Level, string Category, int EventId, string Message, IReadOnlyDictionary<string, object?> Values);
