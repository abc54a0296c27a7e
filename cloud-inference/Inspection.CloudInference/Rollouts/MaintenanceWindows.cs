using System.Globalization;
using Inspection.Contracts.Rollouts;

namespace Inspection.CloudInference.Rollouts;

/// <summary>Reads and checks a rollout's daily maintenance window.</summary>
public static class MaintenanceWindows
{
    /// <summary>Start and end as times of day, and the zone they are in.</summary>
    /// <exception cref="ArgumentException">A time is not <c>HH:mm</c>, or the zone is unknown.</exception>
    public static (TimeOnly Start, TimeOnly End, TimeZoneInfo Zone) Parse(MaintenanceWindow window)
    {
        ArgumentNullException.ThrowIfNull(window);
        if (!TimeOnly.TryParseExact(window.Start, "HH:mm", CultureInfo.InvariantCulture, DateTimeStyles.None, out var start)
            || !TimeOnly.TryParseExact(window.End, "HH:mm", CultureInfo.InvariantCulture, DateTimeStyles.None, out var end))
        {
            throw new ArgumentException($"maintenanceWindow: start and end must be HH:mm (24 h), got '{window.Start}' and '{window.End}'");
        }

        if (start == end)
        {
            throw new ArgumentException("maintenanceWindow: start and end must differ");
        }

        TimeZoneInfo zone;
        try
        {
            zone = string.IsNullOrWhiteSpace(window.TimeZone) ? TimeZoneInfo.Utc : TimeZoneInfo.FindSystemTimeZoneById(window.TimeZone);
        }
        catch (TimeZoneNotFoundException)
        {
            throw new ArgumentException($"maintenanceWindow: unknown time zone '{window.TimeZone}' (use an IANA id such as Europe/Berlin)");
        }

        return (start, end, zone);
    }

    /// <summary>Whether <paramref name="now"/> falls inside the window (a window may cross midnight); always true without one.</summary>
    public static bool IsOpen(MaintenanceWindow? window, DateTimeOffset now)
    {
        if (window is null)
        {
            return true;
        }

        var (start, end, zone) = Parse(window);
        var local = TimeOnly.FromDateTime(TimeZoneInfo.ConvertTime(now, zone).DateTime);
        return start < end ? local >= start && local < end : local >= start || local < end;
    }
}
