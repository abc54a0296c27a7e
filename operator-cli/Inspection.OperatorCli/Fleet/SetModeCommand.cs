using System.CommandLine;
using System.Globalization;
using System.Net;
using Inspection.Contracts.Api;
using Inspection.Contracts.Mqtt;

namespace Inspection.OperatorCli.Fleet;

/// <summary><c>set-mode</c>: command a device into a degradation mode (<c>PUT /api/devices/{id}/desired-mode</c>).</summary>
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
        var issuedBy = IssuedByOption();
        var api = ApiCommand.ApiOption(console);
        var json = ApiCommand.JsonOption();
        var command = new Command("set-mode", "Command a device into a degradation mode (published as its desired state).")
        {
            device, mode, issuedBy, api, json,
        };
        command.SetAction((parse, cancellationToken) => RunAsync(
            console,
            parse.GetRequiredValue(device),
            parse.GetRequiredValue(mode),
            parse.GetValue(issuedBy) ?? "cli",
            parse.GetRequiredValue(api),
            parse.GetValue(json),
            cancellationToken));
        return command;
    }

    /// <summary><c>--issued-by</c>, the operator's name for the audit trail (default: the user running the command).</summary>
    public static Option<string> IssuedByOption() => new("--issued-by")
    {
        Description = "Your name, for the audit trail (default: your user name).",
        DefaultValueFactory = _ => Environment.UserName,
    };

    private static async Task<int> RunAsync(
        CliConsole console, string deviceId, string mode, string issuedBy, string api, bool json, CancellationToken cancellationToken)
    {
        if (!MqttTopics.IsValidDeviceId(deviceId))
        {
            await console.Error.WriteLineAsync($"Device id '{deviceId}' is not valid: use 1-64 letters, digits, '-', '_' or '.'.".AsMemory(), cancellationToken).ConfigureAwait(false);
            return ExitCodes.BadArguments;
        }

        return await ApiCommand.RunAsync(console, api, async client =>
        {
            var answer = await client.PutAsync<SetModeRequest, DesiredState>(
                $"api/devices/{Uri.EscapeDataString(deviceId)}/desired-mode", new SetModeRequest(mode, issuedBy), cancellationToken).ConfigureAwait(false);
            if (json)
            {
                await ApiCommand.WriteJsonAsync(console, answer.Json, cancellationToken).ConfigureAwait(false);
                return ExitCodes.Ok;
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
            return ExitCodes.Ok;
        }, cancellationToken).ConfigureAwait(false);
    }
}
