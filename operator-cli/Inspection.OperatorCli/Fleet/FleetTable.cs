using System.Globalization;
using Inspection.Contracts.Api;
using Inspection.Contracts.Mqtt;

namespace Inspection.OperatorCli.Fleet;

/// <summary>Prints the fleet and escalation totals as a fixed-width table for a terminal.</summary>
public static class FleetTable
{
    private static readonly string[] Headers =
        ["DEVICE", "ONLINE", "MODE", "APPLIED/DESIRED", "CONFLICT", "MODEL", "UPDATE", "EP", "FPS", "FRAMES", "PASS", "DEFECT", "UNCERTAIN", "OUTBOX", "ESCALATED",
         "PARTS-PASS", "PARTS-REJECTED", "PARTS-UNCERTAIN", "PARTS-ESCALATED", "LINE-BACKLOG", "OLDEST-WAITING",
         "VERDICTS", "PENDING/SENT/CONFIRMED", "CONFIRMED-THROUGH", "OLDEST-UNCONFIRMED"];

    /// <param name="output">Where the table goes.</param>
    /// <param name="fleet">The fleet view.</param>
    /// <param name="summary">The cloud's escalation totals.</param>
    /// <param name="parts">The cloud's part totals; null when the cloud does not serve them.</param>
    /// <param name="backlog">The review backlog per line; null when the cloud does not serve it (then "-").</param>
    public static void Write(TextWriter output, FleetSnapshot fleet, EscalationSummary summary, PartTotals? parts = null, IReadOnlyList<LineBacklog>? backlog = null)
    {
        var rows = new List<string[]> { Headers };
        foreach (var device in fleet.Devices)
        {
            var reported = device.Reported;
            var stats = reported?.Stats;

            // "-" for a device that decides frames only (Parts:Source none) or predates parts.
            var partStats = stats?.Parts;
            rows.Add(
            [
                device.DeviceId,
                device.Online switch { true => "yes", false => "no", null => "?" },
                reported is null ? (device.DesiredMode ?? "-") : reported.Mode,
                $"{(device.AppliedDesiredVersion is { } applied ? applied.ToString(CultureInfo.InvariantCulture) : "-")}/{device.DesiredVersion}",
                device.Conflict is null ? "-" : "CONFLICT",
                reported is null ? "-" : $"{reported.Model.Name} {reported.Model.Version}{(reported.Model.Release is { } release ? $" r{release}" : string.Empty)}",
                Update(reported?.Ota),
                reported?.ExecutionProvider ?? "-",
                stats is null ? "-" : stats.FramesPerSecond.ToString("0.0", CultureInfo.InvariantCulture),
                Count(stats?.Frames),
                Count(stats?.Pass),
                Count(stats?.Defect),
                Count(stats?.Uncertain),
                Count(stats?.OutboxDepth),
                Count(stats?.Escalated),
                Count(partStats?.Passed),
                Count(partStats?.Rejected),
                Count(partStats?.Uncertain),
                Count(partStats?.Escalated),

                // The device's line's review backlog: items waiting for a person, and how long the oldest has waited.
                backlog is null || reported is null ? "-" : Count(backlog.FirstOrDefault(b => b.LineId == reported.LineId)?.Waiting ?? 0),
                backlog is null || reported is null ? "-" : Age(backlog.FirstOrDefault(b => b.LineId == reported.LineId)),

                // Reviewed verdicts on their way to the device; "-" when it never got one (or the cloud predates this).
                device.Verdicts?.State ?? "-",
                device.Verdicts is { } v ? string.Create(CultureInfo.InvariantCulture, $"{v.Pending}/{v.Sent}/{v.Confirmed}") : "-",
                Count(device.Verdicts?.LastConfirmedNumber),
                device.Verdicts is { Pending: 0, Sent: 0 } or null ? "-" : Age(device.Verdicts.OldestUnconfirmedAgeSeconds),
            ]);
        }

        var widths = new int[Headers.Length];
        foreach (var row in rows)
        {
            for (var i = 0; i < row.Length; i++)
            {
                widths[i] = Math.Max(widths[i], row[i].Length);
            }
        }

        foreach (var row in rows)
        {
            output.WriteLine(string.Join("  ", row.Select((value, i) => value.PadRight(widths[i]))).TrimEnd());
        }

        if (fleet.Devices.Count == 0)
        {
            output.WriteLine("(no devices have reported yet)");
        }

        // The reasons are long and the device's own words: below the table, one line per device.
        foreach (var device in fleet.Devices.Where(d => d.Conflict is not null))
        {
            output.WriteLine($"Conflict on {device.DeviceId}: {device.Conflict}");
        }

        // What to do about verdicts that are stuck, one line per device.
        foreach (var device in fleet.Devices)
        {
            if (device.Verdicts is { } verdicts && VerdictAdvice(verdicts.State) is { } advice)
            {
                output.WriteLine(string.Create(
                    CultureInfo.InvariantCulture,
                    $"Verdicts for {device.DeviceId}: {verdicts.State} ({verdicts.Pending} pending, {verdicts.Sent} sent, oldest {Age(verdicts.OldestUnconfirmedAgeSeconds)}): {advice}"));
            }
        }

        output.WriteLine();
        output.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"Escalations stored: {summary.EscalationsStored}  duplicates answered: {summary.DuplicatesAnswered}  rejected: {summary.Rejected}  " +
            $"verdicts: pass {summary.Pass}, defect {summary.Defect}, uncertain {summary.Uncertain}"));
        if (parts is not null)
        {
            // Every stored part is one of the escalations above: frames are the rest.
            output.WriteLine(string.Create(
                CultureInfo.InvariantCulture,
                $"Frames: stored {summary.EscalationsStored - parts.Stored}, pass {summary.Pass - parts.Pass}, defect {summary.Defect - parts.Defect}, left to review {summary.Uncertain - parts.Uncertain}"));
            output.WriteLine(string.Create(
                CultureInfo.InvariantCulture,
                $"Parts: stored {parts.Stored} ({parts.Frames} frames, {parts.FramesRefused} refused), passed {parts.Pass}, rejected {parts.Defect}, left to review {parts.Uncertain}"));
        }
        if (!fleet.BrokerConnected)
        {
            output.WriteLine("Warning: the cloud is not connected to the MQTT broker; the fleet view may be stale.");
        }
    }

    // The latest step of the device's model update: "r2 downloading 40%", "r2 shadowing 30f", "r2 committed".
    private static string Update(OtaProgress? ota) => ota switch
    {
        null => "-",
        { Total: > 0 } when ota.State == OtaStates.Downloading => string.Create(CultureInfo.InvariantCulture, $"r{ota.Release} {ota.State} {100 * (ota.Bytes ?? 0) / ota.Total:0}%"),
        { Frames: > 0 } => string.Create(CultureInfo.InvariantCulture, $"r{ota.Release} {ota.State} {ota.Frames}f"),
        _ => string.Create(CultureInfo.InvariantCulture, $"r{ota.Release} {ota.State}"),
    };

    private static string? VerdictAdvice(string state) => state switch
    {
        VerdictDeliveryStates.WaitingForDevice => "the device is offline; they are delivered when it is back online",
        VerdictDeliveryStates.DeviceDoesNotConfirm => "its agent predates the confirmation watermark, so they end at the broker; update the agent",
        _ => null,
    };

    private static string Count(long? value) => value?.ToString(CultureInfo.InvariantCulture) ?? "-";

    /// <summary>How long a line's oldest waiting item has waited: <c>45s</c>, <c>12m</c>, <c>3h05m</c>, <c>2d04h</c>; <c>-</c> when none waits.</summary>
    public static string Age(LineBacklog? line)
    {
        if (line is not { Waiting: > 0 })
        {
            return "-";
        }

        return Age(line.OldestAgeSeconds);
    }

    /// <summary>A wait in whole seconds as <c>45s</c>, <c>12m</c>, <c>3h05m</c>, <c>2d04h</c>.</summary>
    public static string Age(long seconds)
    {
        var age = TimeSpan.FromSeconds(seconds);
        return age.TotalDays >= 1 ? string.Create(CultureInfo.InvariantCulture, $"{(int)age.TotalDays}d{age.Hours:00}h")
            : age.TotalHours >= 1 ? string.Create(CultureInfo.InvariantCulture, $"{(int)age.TotalHours}h{age.Minutes:00}m")
            : age.TotalMinutes >= 1 ? string.Create(CultureInfo.InvariantCulture, $"{(int)age.TotalMinutes}m")
            : string.Create(CultureInfo.InvariantCulture, $"{age.Seconds}s");
    }
}
