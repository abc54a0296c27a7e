using System.CommandLine;
using System.Globalization;
using System.Net;
using Inspection.Contracts.Api;
using Inspection.Contracts.Mqtt;

namespace Inspection.OperatorCli.AgentReleases;

/// <summary>
/// <c>agent upload|list|set</c>: the cloud's edge agent releases (<c>/api/agent-releases</c>) and a device's desired agent
/// (<c>PUT /api/devices/{id}/desired-agent</c>). A fleet is moved release by release with <c>rollout start --agent-version</c>.
/// </summary>
public static class AgentCommand
{
    public static Command Create(CliConsole console) =>
        new("agent", "Edge agent releases: upload a signed bundle, list releases, point one device at a release.")
        {
            Upload(console),
            List(console),
            Set(console),
        };

    private static Command Upload(CliConsole console)
    {
        var file = new Option<FileInfo>("--file") { Description = "The signed agent bundle (agent-<version>.zip, from 'Inspection.ModelTools pack-agent').", Required = true };
        var api = ApiCommand.ApiOption(console);
        var json = ApiCommand.JsonOption();
        var command = new Command("upload", "Register an agent release: the cloud checks its signature and every file's hash before it accepts it.")
        {
            file, api, json,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var bundle = parse.GetRequiredValue(file);
            if (!bundle.Exists)
            {
                await console.Error.WriteLineAsync($"--file '{bundle.FullName}' does not exist.".AsMemory(), cancellationToken).ConfigureAwait(false);
                return ExitCodes.BadArguments;
            }

            return await ApiCommand.RunAsync(
                console,
                ApiCommand.Target(console, parse, api),
                async client =>
                {
                    var stream = bundle.OpenRead();
                    await using (stream.ConfigureAwait(false))
                    {
                        var answer = await client.PostStreamAsync<AgentReleaseItem>("api/agent-releases", stream, "application/zip", cancellationToken).ConfigureAwait(false);
                        if (parse.GetValue(json))
                        {
                            await ApiCommand.WriteJsonAsync(console, answer.Json, cancellationToken).ConfigureAwait(false);
                            return ExitCodes.Ok;
                        }

                        var release = answer.Value;
                        foreach (var line in (string[])[
                            $"Registered agent {release.Version}.",
                            $"bundle      {release.BundleUrl}",
                            $"sha256      {release.Sha256}",
                            string.Create(CultureInfo.InvariantCulture, $"size        {release.Size} bytes ({release.Files} files, {release.InstalledSize} bytes installed)"),
                            $"key         {release.KeyId}",
                            $"entry       {release.Entry}",
                        ])
                        {
                            await console.Output.WriteLineAsync(line.AsMemory(), cancellationToken).ConfigureAwait(false);
                        }

                        return ExitCodes.Ok;
                    }
                },
                cancellationToken,
                ApiCommand.UploadTimeout).ConfigureAwait(false);
        });
        return command;
    }

    private static Command List(CliConsole console)
    {
        var api = ApiCommand.ApiOption(console);
        var json = ApiCommand.JsonOption();
        var command = new Command("list", "List the registered agent releases, newest first.") { api, json };
        command.SetAction((parse, cancellationToken) => ApiCommand.RunAsync(console, ApiCommand.Target(console, parse, api), async client =>
        {
            var answer = await client.GetAsync<List<AgentReleaseItem>>("api/agent-releases", cancellationToken).ConfigureAwait(false);
            if (parse.GetValue(json))
            {
                await ApiCommand.WriteJsonAsync(console, answer.Json, cancellationToken).ConfigureAwait(false);
                return ExitCodes.Ok;
            }

            if (answer.Value.Count == 0)
            {
                await console.Output.WriteLineAsync("(no agent release is registered)".AsMemory(), cancellationToken).ConfigureAwait(false);
                return ExitCodes.Ok;
            }

            var table = TextTable.Create("VERSION", "SIZE", "SHA256", "FILES", "KEY", "UPLOADED", "BY");
            foreach (var release in answer.Value)
            {
                table.Row(
                    release.Version,
                    TextTable.Number(release.Size),
                    release.Sha256.Length > 12 ? release.Sha256[..12] + "…" : release.Sha256,
                    TextTable.Number(release.Files),
                    release.KeyId,
                    TextTable.Time(release.UploadedAt),
                    release.UploadedBy);
            }

            console.Ansi.Write(table);
            return ExitCodes.Ok;
        }, cancellationToken));
        return command;
    }

    private static Command Set(CliConsole console)
    {
        var device = new Option<string>("--device") { Description = "Device id.", Required = true };
        var version = new Option<string>("--agent-version") { Description = "A registered agent release (see 'agent list').", Required = true };
        var api = ApiCommand.ApiOption(console);
        var json = ApiCommand.JsonOption();
        var command = new Command("set", "Point one device at an agent release (its desired state); the device installs it and keeps it only when healthy. For many devices use 'rollout start --agent-version'.")
        {
            device, version, api, json,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var deviceId = parse.GetRequiredValue(device);
            if (!MqttTopics.IsValidDeviceId(deviceId))
            {
                await console.Error.WriteLineAsync($"Device id '{deviceId}' is not valid: use 1-64 letters, digits, '-', '_' or '.'.".AsMemory(), cancellationToken).ConfigureAwait(false);
                return ExitCodes.BadArguments;
            }

            return await ApiCommand.RunAsync(console, ApiCommand.Target(console, parse, api), async client =>
            {
                var answer = await client.PutAsync<SetAgentRequest, DesiredState>(
                    $"api/devices/{Uri.EscapeDataString(deviceId)}/desired-agent", new SetAgentRequest(parse.GetRequiredValue(version)), cancellationToken).ConfigureAwait(false);
                if (parse.GetValue(json))
                {
                    await ApiCommand.WriteJsonAsync(console, answer.Json, cancellationToken).ConfigureAwait(false);
                    return ExitCodes.Ok;
                }

                var state = answer.Value;
                await console.Output.WriteLineAsync(string.Create(
                    CultureInfo.InvariantCulture,
                    $"{deviceId}: desired agent {state.Agent?.Version}, version {state.Version}, issued by {state.IssuedBy} at {state.IssuedAt:u}").AsMemory(), cancellationToken).ConfigureAwait(false);
                await console.Output.WriteLineAsync((answer.Status == HttpStatusCode.OK
                    ? "Published to the broker (retained); the device reports the update's outcome in 'fleet' (agent update)."
                    : "Stored; the broker is unreachable right now, it is published as soon as the cloud reconnects.").AsMemory(), cancellationToken).ConfigureAwait(false);
                return ExitCodes.Ok;
            }, cancellationToken).ConfigureAwait(false);
        });
        return command;
    }
}
