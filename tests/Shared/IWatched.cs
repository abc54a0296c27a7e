namespace Inspection.Tests.Shared;

/// <summary>A part of a scenario a wait watches (a child process): it stops the wait early and explains a failure.</summary>
internal interface IWatched
{
    /// <summary>Why the part can no longer make the condition come true (e.g. "cloud exited with code 1"), or null.</summary>
    string? Stopped { get; }
}
