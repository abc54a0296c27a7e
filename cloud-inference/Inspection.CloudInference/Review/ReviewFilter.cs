using Inspection.CloudInference.Escalations;

namespace Inspection.CloudInference.Review;

/// <summary>
/// Which items a queue listing, <c>next</c>, the export or the dashboard look at. Every criterion left null matches all.
/// </summary>
/// <param name="Line">Only this line.</param>
/// <param name="Device">Only this device.</param>
/// <param name="ClassName">Only items with a detection of this class (edge or cloud, any frame).</param>
/// <param name="Model">Only items whose edge or cloud model has this name or version.</param>
/// <param name="Release">Only items whose edge model came from this release.</param>
/// <param name="Since">Only items received at or after this time.</param>
/// <param name="Until">Only items received before this time.</param>
public sealed record ReviewFilter(
    string? Line = null,
    string? Device = null,
    string? ClassName = null,
    string? Model = null,
    long? Release = null,
    DateTimeOffset? Since = null,
    DateTimeOffset? Until = null)
{
    public bool Matches(StoredEscalation escalation) =>
        (Line is null || escalation.LineId == Line)
        && (Device is null || escalation.DeviceId == Device)
        && (Release is null || escalation.EdgeModelRelease == Release)
        && (Model is null || IsModel(escalation, Model))
        && (Since is null || escalation.ReceivedTicks >= Since.Value.UtcTicks)
        && (Until is null || escalation.ReceivedTicks < Until.Value.UtcTicks)
        && (ClassName is null || HasClass(escalation, ClassName));

    private static bool IsModel(StoredEscalation e, string model) =>
        string.Equals(e.EdgeModelName, model, StringComparison.OrdinalIgnoreCase)
        || string.Equals(e.EdgeModelVersion, model, StringComparison.OrdinalIgnoreCase)
        || string.Equals(e.CloudModelName, model, StringComparison.OrdinalIgnoreCase)
        || string.Equals(e.CloudModelVersion, model, StringComparison.OrdinalIgnoreCase);

    private static bool HasClass(StoredEscalation e, string className) =>
        ReviewFrame.Of(e).Any(f => f.EdgeDetections.Concat(f.CloudDetections)
            .Any(d => string.Equals(d.ClassName, className, StringComparison.OrdinalIgnoreCase)));
}
