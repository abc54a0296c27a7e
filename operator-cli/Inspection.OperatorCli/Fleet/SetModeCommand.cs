using System.CommandLine;
using System.Globalization;
using System.Net;
using Inspection.Contracts.Api;
using Inspection.Contracts.Mqtt;

namespace Inspection.OperatorCli.Fleet;

/// <summary>
/// <c>set-mode</c>: command a device into a degradation mode (<c>PUT /api/devices/{id}/desired-mode</c>); with
/// <c>--wait</c>, follow <c>GET /api/fleet</c> until the device reports the issued version applied, and exit
/// <see cref="ExitCodes.Conflict"/> when it rejects the state or does not apply it within <c>--timeout</c>.
/// </summary>
public static class SetModeCommand
{
    public static Command Create(CliConsole console)
    {
        var device = new Option<string>("--device") { Description = "Device id.", Required = true };
        var mode = new Option<string>("--mode") {
            Description = "normal (every frame, escalate), reduced (every Nth frame), local-only (no forwarding), "
                + "safe (uncertain counts as defect), or paused (no inspection).",
            Required = true,
        };
        mode.AcceptOnlyFromAmong([.. DegradationModes.All]);
        var api = ApiCommand.ApiOption(console);
        var json = ApiCommand.JsonOption();
        var wait = new Option<bool>("--wait") { Description = "Wait until the device reports the state applied; exit 6 when it rejects it or --timeout passes." };
        var timeout = NumberOption.WithDefault("--timeout", "Seconds --wait waits for the device.", 60.0, seconds => seconds is > 0 and <= 86_400, "between 0 and 86400 seconds");
        var command = new Command("set-mode", "Command a device into a degradation mode (published as its desired state).")
        {
            device, mode, api, json, wait, timeout,
        };
        command.SetAction((parse, cancellationToken) => RunAsync(
            console,
            parse.GetRequiredValue(device),
            parse.GetRequiredValue(mode),
            ApiCommand.Target(console, parse, api),
            parse.GetValue(json),
            parse.GetValue(wait) ? TimeSpan.FromSeconds(parse.GetValue(timeout)) : null,
            cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(
        CliConsole console, string deviceId, string mode, ApiTarget api, bool json, TimeSpan? wait, CancellationToken cancellationToken)
    {
        if (!MqttTopics.IsValidDeviceId(deviceId))
        {
            await console.Error.WriteLineAsync($"Device id '{deviceId}' is not valid: use 1-64 letters, digits, '-', '_' or '.'.".AsMemory(), cancellationToken).ConfigureAwait(false);
            return ExitCodes.BadArguments;
        }

        return await ApiCommand.RunAsync(console, api, async client =>
        {
            var answer = await client.PutAsync<SetModeRequest, DesiredState>(
                $"api/devices/{Uri.EscapeDataString(deviceId)}/desired-mode", new SetModeRequest(mode), cancellationToken).ConfigureAwait(false);
            if (json)
            {
                await ApiCommand.WriteJsonAsync(console, answer.Json, cancellationToken).ConfigureAwait(false);
                return wait is { } jsonWait ? await WaitAsync(console, client, deviceId, answer.Value, jsonWait, quiet: true, cancellationToken).ConfigureAwait(false) : ExitCodes.Ok;
            }

            // 200: the broker took it; 202: stored, published once the cloud reaches the broker again.
            var result = new SetModeResult(answer.Value, answer.Status == HttpStatusCode.OK);
            var state = result.State;
            await console.Output.WriteLineAsync(string.Create(
                CultureInfo.InvariantCulture,
                $"{deviceId}: desired mode {state.Mode}, version {state.Version}, issued by {state.IssuedBy} at {state.IssuedAt:u}").AsMemory(), cancellationToken).ConfigureAwait(false);
            await console.Output.WriteLineAsync((result.Published
                ? "Published to the broker (retained); the device applies it when connected."
                : "Stored; the broker is unreachable right now, it is published as soon as the cloud reconnects.").AsMemory(), cancellationToken).ConfigureAwait(false);
            return wait is { } limit ? await WaitAsync(console, client, deviceId, state, limit, quiet: false, cancellationToken).ConfigureAwait(false) : ExitCodes.Ok;
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Follows the fleet view until the device reports <paramref name="issued"/> (or a later version) applied, rejects a
    /// desired state after it was issued, or <paramref name="limit"/> passes.
    /// </summary>
    private static async Task<int> WaitAsync(
        CliConsole console, CloudApiClient client, string deviceId, DesiredState issued, TimeSpan limit, bool quiet, CancellationToken cancellationToken)
    {
        var time = console.Time;
        var started = time.GetTimestamp();
        var poll = TimeSpan.FromSeconds(0.5);
        while (true)
        {
            var fleet = await client.GetAsync<FleetSnapshot>("api/fleet", cancellationToken).ConfigureAwait(false);
            var device = fleet.Value.Devices.FirstOrDefault(d => d.DeviceId == deviceId);
            if (device?.AppliedDesiredVersion is { } applied && applied >= issued.Version)
            {
                if (!quiet)
                {
                    await console.Output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"{deviceId} applied version {applied}.").AsMemory(), cancellationToken).ConfigureAwait(false);
                }

                return ExitCodes.Ok;
            }

            // A rejection the device made before this state was issued is about an older one: keep waiting.
            if (device?.Reported?.LastRejected is { } rejected
                && rejected.Topic == MqttTopics.Desired(deviceId)
                && (issued.IssuedAt is not { } at || rejected.At >= at))
            {
                await console.Error.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"Conflict: {deviceId} rejected a desired state after version {issued.Version} was issued: {rejected.Error}").AsMemory(), cancellationToken).ConfigureAwait(false);
                return ExitCodes.Conflict;
            }

            if (time.GetElapsedTime(started) >= limit)
            {
                var reports = device?.AppliedDesiredVersion is { } seen ? $"reports version {seen.ToString(CultureInfo.InvariantCulture)} applied" : "has not reported";
                await console.Error.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"Conflict: {deviceId} did not apply version {issued.Version} within {limit.TotalSeconds:0.#} s; it {reports}{(device?.Online == false ? " and is offline" : string.Empty)}.").AsMemory(), cancellationToken).ConfigureAwait(false);
                return ExitCodes.Conflict;
            }

            await Task.Delay(poll, time, cancellationToken).ConfigureAwait(false);
        }
    }
}
