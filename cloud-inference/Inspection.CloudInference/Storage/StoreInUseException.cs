namespace Inspection.CloudInference.Storage;

/// <summary>The cloud database file is open in another process; the message says which file and what to do.</summary>
public sealed class StoreInUseException(string message, Exception inner) : InvalidOperationException(message, inner);
