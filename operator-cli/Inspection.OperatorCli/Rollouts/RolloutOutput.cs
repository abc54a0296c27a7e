using System.Globalization;
using Inspection.Contracts.Rollouts;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace Inspection.OperatorCli.Rollouts;

/// <summary>How a rollout prints: a heading that starts with its id, a table of its waves and one of its devices.</summary>
public static class RolloutOutput
{
    /// <summary>Writes the view once: the API's JSON with <paramref name="json"/>, else the tables.</summary>
    public static async Task<int> WriteAsync(CliConsole console, ApiAnswer<RolloutView> answer, bool json, CancellationToken cancellationToken)
    {
        if (json)
        {
            await ApiCommand.WriteJsonAsync(console, answer.Json, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            console.Ansi.Write(Render(answer.Value));
        }

        return ExitCodes.Ok;
    }

    public static IRenderable Render(RolloutView view)
    {
        var heading = string.Create(
            CultureInfo.InvariantCulture,
            $"{view.Id}: {(view.AgentVersion is { } agent ? $"agent {agent}" : $"release {view.Release} ({view.ModelName} {view.ModelVersion})")}, {view.State}{(view.Reason is { Length: > 0 } reason ? $": {reason}" : string.Empty)}");
        var details = string.Create(
            CultureInfo.InvariantCulture,
            $"Started {TextTable.Time(view.CreatedAt)} by {view.IssuedBy}, updated {TextTable.Time(view.UpdatedAt)}; {Target(view.Target)}; " +
            $"current wave: {view.Waves.FirstOrDefault(w => w.Index == view.CurrentWave)?.Name ?? TextTable.Number(view.CurrentWave)} of {view.Waves.Count}; {Counts(view.Counts)}");

        var waves = TextTable.Create("WAVE", "DEVICES", "STATE", "PENDING", "WAITING", "UPDATING", "WATCHING", "SUCCEEDED", "FAILED", "CANCELLED", "STARTED", "ENDED");
        foreach (var wave in view.Waves)
        {
            var counts = wave.Counts;
            waves.Row(
                wave.Name,
                TextTable.Number(wave.Devices),
                wave.State,
                TextTable.Number(counts.Pending),
                TextTable.Number(counts.Waiting),
                TextTable.Number(counts.Updating),
                TextTable.Number(counts.Watching),
                TextTable.Number(counts.Succeeded),
                TextTable.Number(counts.Failed),
                TextTable.Number(counts.Cancelled),
                TextTable.Time(wave.StartedAt),
                TextTable.Time(wave.EndedAt));
        }

        var devices = TextTable.Create("DEVICE", "WAVE", "STATE", "OTA STEP", "SINCE", "REASON");
        foreach (var device in view.Devices)
        {
            devices.Row(
                device.DeviceId,
                view.Waves.FirstOrDefault(w => w.Index == device.Wave)?.Name ?? TextTable.Number(device.Wave),
                device.State,
                device.OtaState,
                TextTable.Time(device.Since),
                device.Reason);
        }

        List<IRenderable> rows = [new Text(heading), new Text(details)];
        if (view.ReviewCheck is { } check)
        {
            rows.Add(new Text(string.Create(CultureInfo.InvariantCulture, $"Review check ({TextTable.Time(check.CheckedAt)}, {check.Frames} frames): {check.Summary}")));
        }

        return new Rows([.. rows, waves, devices]);
    }

    /// <summary>One row per rollout, newest first as the API lists them.</summary>
    public static IRenderable Render(IReadOnlyList<RolloutSummary> rollouts)
    {
        if (rollouts.Count == 0)
        {
            return new Text("(no rollouts)" + Environment.NewLine);
        }

        var table = TextTable.Create("ID", "RELEASE", "STATE", "WAVE", "DEVICES", "SUCCEEDED", "FAILED", "ISSUED BY", "CREATED", "UPDATED", "REASON");
        foreach (var rollout in rollouts)
        {
            table.Row(
                rollout.Id,
                rollout.AgentVersion is { } agent ? $"agent {agent}" : TextTable.Number(rollout.Release),
                rollout.State,
                string.Create(CultureInfo.InvariantCulture, $"{rollout.CurrentWave + 1}/{rollout.WaveCount}"),
                TextTable.Number(rollout.Counts.Total),
                TextTable.Number(rollout.Counts.Succeeded),
                TextTable.Number(rollout.Counts.Failed),
                rollout.IssuedBy,
                TextTable.Time(rollout.CreatedAt),
                TextTable.Time(rollout.UpdatedAt),
                rollout.Reason);
        }

        return table;
    }

    private static string Target(RolloutTarget target) => target switch
    {
        { All: true } => "target: all devices",
        { Line: { } line } => $"target: line {line}",
        { Tag: { } tag } => $"target: tag {tag}",
        { Devices: { } devices } => $"target: {string.Join(',', devices)}",
        _ => "target: -",
    };

    private static string Counts(RolloutCounts counts) => string.Create(
        CultureInfo.InvariantCulture,
        $"{counts.Total} devices: {counts.Succeeded} succeeded, {counts.Failed} failed, {counts.Updating + counts.Watching} updating, " +
        $"{counts.Pending + counts.Waiting} to go, {counts.Cancelled} cancelled");
}
