namespace Inspection.EndToEnd.Tests.Infrastructure;

/// <summary>A service process stopped while it was starting; the message carries its output (e.g. a port that was taken).</summary>
internal sealed class ServiceExitedException(string message) : Exception(message);
