namespace Inspection.EndToEnd.Tests.Infrastructure;

/// <summary>One log entry and the values of the scopes it was written in.</summary>
internal sealed record ScopedLogEntry(string Category, string Message, IReadOnlyDictionary<string, string?> Scope);
