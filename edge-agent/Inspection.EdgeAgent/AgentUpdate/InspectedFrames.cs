using System.Globalization;
using System.Text.RegularExpressions;

namespace Inspection.EdgeAgent.AgentUpdate;

/// <summary>
/// The frame count the agent puts in its <c>STATUS=</c> line ("…; 1234 frames inspected"): what the updater watches
/// through the service manager (<c>systemctl show -p StatusText</c>) to see that a new release keeps inspecting.
/// </summary>
public static partial class InspectedFrames
{
    /// <summary>The status suffix for <paramref name="frames"/>.</summary>
    public static string Describe(long frames) => string.Create(CultureInfo.InvariantCulture, $"{frames} frames inspected");

    /// <summary>The count in a status line, or null when it holds none.</summary>
    public static long? Parse(string? status) =>
        status is not null && Count().Match(status) is { Success: true } match
            && long.TryParse(match.Groups["frames"].ValueSpan, NumberStyles.None, CultureInfo.InvariantCulture, out var frames)
            ? frames
            : null;

    [GeneratedRegex(@"(?<frames>[0-9]{1,18}) frames inspected")]
    private static partial Regex Count();
}
