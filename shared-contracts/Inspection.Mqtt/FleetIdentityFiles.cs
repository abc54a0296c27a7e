using System.Text;
using Inspection.Contracts.Mqtt;

namespace Inspection.Mqtt;

/// <summary>
/// Writes the fleet's broker identities into a folder: <c>broker/passwd</c> and <c>broker/acl</c> (for mosquitto's
/// <c>password_file</c>/<c>acl_file</c> and the embedded broker's <c>Cloud:Broker:PasswordFile</c>/<c>AclFile</c>),
/// <c>broker/identity.conf</c> (the mosquitto lines that use them), and per account a password file and an
/// environment fragment naming it: <c>cloud/</c> and <c>devices/{deviceId}/</c>. Running it again adds new devices
/// and keeps every existing account's password.
/// </summary>
public static class FleetIdentityFiles
{
    /// <summary>Where an installer puts a device's password file (next to <c>/etc/inspection/edge-agent.json</c>).</summary>
    public const string DevicePasswordPath = "/etc/inspection/mqtt-password";

    /// <summary>Where an installer puts the cloud account's password file.</summary>
    public const string CloudPasswordPath = "/etc/inspection-cloud/mqtt-password";

    /// <summary>Writes (or extends) the identity files; returns the accounts created now (existing ones are kept).</summary>
    /// <exception cref="ArgumentException">A name is not a valid device id, or a device is named like the cloud's account.</exception>
    public static IReadOnlyList<string> Write(string directory, string cloudUser, IReadOnlyCollection<string> devices)
    {
        foreach (var name in devices.Append(cloudUser))
        {
            if (!MqttTopics.IsValidDeviceId(name))
            {
                throw new ArgumentException($"'{name}' cannot be a broker user: use letters, digits, '-', '_' or '.', at most 64 characters.");
            }
        }

        if (devices.Contains(cloudUser, StringComparer.Ordinal))
        {
            throw new ArgumentException($"'{cloudUser}' is the cloud's account; a device cannot share its name.");
        }

        var broker = Directory.CreateDirectory(Path.Combine(directory, "broker")).FullName;
        var passwdPath = Path.Combine(broker, "passwd");
        var lines = new Dictionary<string, string>(StringComparer.Ordinal);
        if (File.Exists(passwdPath))
        {
            foreach (var line in File.ReadLines(passwdPath).Where(l => l.Contains(':', StringComparison.Ordinal)))
            {
                lines[line[..line.IndexOf(':', StringComparison.Ordinal)]] = line;
            }
        }

        var created = new List<string>();
        foreach (var (user, folder, env) in devices
            .Select(d => (User: d, Folder: Path.Combine(directory, "devices", d), Env: DeviceEnvironment(d)))
            .Prepend((cloudUser, Path.Combine(directory, "cloud"), CloudEnvironment(cloudUser))))
        {
            if (lines.ContainsKey(user))
            {
                continue;
            }

            var password = MosquittoPasswordFile.NewPassword();
            lines[user] = MosquittoPasswordFile.Line(user, password);
            Directory.CreateDirectory(folder);
            WriteSecret(Path.Combine(folder, "mqtt-password"), password + "\n");
            File.WriteAllText(Path.Combine(folder, "mqtt.env"), env);
            created.Add(user);
        }

        WriteSecret(passwdPath, string.Join('\n', lines.Values) + "\n");
        File.WriteAllText(Path.Combine(broker, "acl"), MosquittoAcl.ForFleet(cloudUser));
        File.WriteAllText(
            Path.Combine(broker, "identity.conf"),
            """
            # mosquitto: every client needs a user from passwd, and may use only the topics acl grants it.
            allow_anonymous false
            password_file /etc/mosquitto/inspection/passwd
            acl_file /etc/mosquitto/inspection/acl

            """);
        return created;
    }

    private static string DeviceEnvironment(string deviceId) =>
        new StringBuilder()
            .AppendLine("# Append to /etc/inspection/edge-agent.env on the device; the password file goes to " + DevicePasswordPath + " (mode 0600).")
            .AppendLine($"Mqtt__Username={deviceId}")
            .AppendLine($"Mqtt__PasswordFile={DevicePasswordPath}")
            .ToString();

    private static string CloudEnvironment(string cloudUser) =>
        new StringBuilder()
            .AppendLine("# Environment of the cloud service; the password file goes to " + CloudPasswordPath + " (mode 0600).")
            .AppendLine($"Cloud__Mqtt__Username={cloudUser}")
            .AppendLine($"Cloud__Mqtt__PasswordFile={CloudPasswordPath}")
            .ToString();

    private static void WriteSecret(string path, string content)
    {
        // Created owner-only from the start, not chmod-ed after: no moment where others could read it.
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using var writer = new StreamWriter(path, Encoding.ASCII, options);
        writer.Write(content);
    }
}
