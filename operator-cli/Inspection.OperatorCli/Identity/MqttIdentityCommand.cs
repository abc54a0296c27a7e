using System.CommandLine;
using Inspection.Mqtt;

namespace Inspection.OperatorCli.Identity;

/// <summary>
/// <c>identity mqtt --cloud-user cloud --device line1-cam1 --device line1-cam2 --out dir</c>: the broker's password and
/// ACL files and each account's credentials (see <see cref="FleetIdentityFiles"/>). Offline: it talks to no service.
/// </summary>
public static class MqttIdentityCommand
{
    public static Command Create(CliConsole console)
    {
        var cloudUser = new Option<string>("--cloud-user")
        {
            Description = "The cloud service's broker account (default: cloud).",
            DefaultValueFactory = _ => "cloud",
        };
        var devices = new Option<string[]>("--device") { Description = "A device id; repeat for every device. Each gets its own account.", Required = true, AllowMultipleArgumentsPerToken = false };
        var output = new Option<DirectoryInfo>("--out") { Description = "Folder for the files; run again with more --device to add devices (existing passwords are kept).", Required = true };
        var command = new Command("mqtt", "Broker identities: a mosquitto password file and ACL (each device may touch only its own topics) and every account's password file.")
        {
            cloudUser, devices, output,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var folder = parse.GetRequiredValue(output);
            IReadOnlyList<string> created;
            try
            {
                created = FleetIdentityFiles.Write(folder.FullName, parse.GetRequiredValue(cloudUser), parse.GetRequiredValue(devices));
            }
            catch (ArgumentException ex)
            {
                await console.Error.WriteLineAsync(ex.Message.AsMemory(), cancellationToken).ConfigureAwait(false);
                return ExitCodes.BadArguments;
            }

            var summary =
                $"Wrote {Path.Combine(folder.FullName, "broker")}/passwd, acl and identity.conf; new accounts: {(created.Count == 0 ? "none" : string.Join(", ", created))}.{Environment.NewLine}" +
                $"Broker: copy broker/passwd and broker/acl to /etc/mosquitto/inspection/ and include broker/identity.conf (or set Cloud:Broker:PasswordFile and Cloud:Broker:AclFile).{Environment.NewLine}" +
                $"Devices: copy devices/<id>/mqtt-password to {FleetIdentityFiles.DevicePasswordPath} (mode 0600) and append devices/<id>/mqtt.env to /etc/inspection/edge-agent.env.";
            await console.Output.WriteLineAsync(summary.AsMemory(), cancellationToken).ConfigureAwait(false);
            return ExitCodes.Ok;
        });
        return command;
    }
}
