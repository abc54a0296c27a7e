using System.CommandLine;
using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Inspection.Contracts.Identity;
using Inspection.Contracts.Mqtt;

namespace Inspection.OperatorCli.Identity;

/// <summary>
/// <c>identity ca|device|server</c>: the fleet CA and the certificates for mTLS between devices and the cloud's gRPC
/// endpoint. They work on files only and need no running cloud.
/// </summary>
public static class CertificateCommands
{
    /// <summary>Default validity of the CA: 20 years, longer than any device stays on a line.</summary>
    public const int DefaultCaDays = 7300;

    /// <summary>Default validity of a device certificate: 5 years.</summary>
    public const int DefaultDeviceDays = 1825;

    /// <summary>Default validity of the cloud's server certificate: 2 years.</summary>
    public const int DefaultServerDays = 825;

    public static IEnumerable<Command> Create(CliConsole console) => [Ca(console), Device(console), Server(console)];

    private static Command Ca(CliConsole console)
    {
        var output = OutOption("Folder to write ca.crt and ca.key (mode 0600) to; created if missing.");
        var name = new Option<string>("--name") { Description = "Subject CN of the CA.", DefaultValueFactory = _ => "Inspection fleet CA" };
        var days = DaysOption(DefaultCaDays);
        var command = new Command("ca", "Create the fleet CA (ECDSA P-256, self-signed). Keep ca.key offline: whoever holds it can enrol devices.")
        {
            output, name, days,
        };
        command.SetAction((parse, cancellationToken) => RunAsync(console, cancellationToken, () =>
        {
            var folder = Directory.CreateDirectory(parse.GetRequiredValue(output)).FullName;
            var certificate = Path.Combine(folder, FleetCertificates.CaCertificateFile);
            var key = Path.Combine(folder, FleetCertificates.CaKeyFile);
            RefuseExisting(certificate, key);
            using var ca = FleetCertificates.CreateAuthority(parse.GetRequiredValue(name), console.Time.GetUtcNow(), parse.GetValue(days));
            FleetCertificates.WritePem(ca, certificate, key);
            return Describe(ca, certificate, key, null);
        }));
        return command;
    }

    private static Command Device(CliConsole console)
    {
        var caFolder = CaOption();
        var device = new Option<string>("--device") { Description = "Device id (as in the device's Edge:DeviceId).", Required = true };
        var output = OutOption("Folder to write device.crt, device.key (mode 0600) and ca.crt to; copy it to the device.");
        var days = DaysOption(DefaultDeviceDays);
        var command = new Command("device", "Issue a device's client certificate: the device id in the subject CN and as SAN URI urn:inspection:device:<id>.")
        {
            caFolder, device, output, days,
        };
        command.SetAction((parse, cancellationToken) =>
        {
            var deviceId = parse.GetRequiredValue(device);
            if (!MqttTopics.IsValidDeviceId(deviceId))
            {
                return BadArgumentAsync(console, $"Device id '{deviceId}' is not valid: use 1-64 letters, digits, '-', '_' or '.'.", cancellationToken);
            }

            return RunAsync(console, cancellationToken, () => IssueInto(
                parse.GetRequiredValue(caFolder),
                parse.GetRequiredValue(output),
                FleetCertificates.DeviceCertificateFile,
                FleetCertificates.DeviceKeyFile,
                ca => FleetCertificates.IssueDevice(ca, deviceId, console.Time.GetUtcNow(), parse.GetValue(days))));
        });
        return command;
    }

    private static Command Server(CliConsole console)
    {
        var caFolder = CaOption();
        var dns = new Option<string[]>("--dns") { Description = "DNS name devices use in Cloud:Address (repeatable).", AllowMultipleArgumentsPerToken = false };
        var ip = new Option<string[]>("--ip") { Description = "IP address devices use in Cloud:Address (repeatable).", AllowMultipleArgumentsPerToken = false };
        var output = OutOption("Folder to write server.crt, server.key (mode 0600) and ca.crt to, for the cloud's Cloud:Tls keys.");
        var days = DaysOption(DefaultServerDays);
        var command = new Command("server", "Issue the cloud's server certificate for its gRPC mTLS endpoint.")
        {
            caFolder, dns, ip, output, days,
        };
        command.SetAction((parse, cancellationToken) =>
        {
            var names = parse.GetValue(dns) ?? [];
            var addresses = new List<IPAddress>();
            foreach (var text in parse.GetValue(ip) ?? [])
            {
                if (!IPAddress.TryParse(text, out var address))
                {
                    return BadArgumentAsync(console, $"--ip '{text}' is not an IP address.", cancellationToken);
                }

                addresses.Add(address);
            }

            if (names.Length == 0 && addresses.Count == 0)
            {
                return BadArgumentAsync(console, "Give at least one --dns or --ip: the host name or address devices put in Cloud:Address.", cancellationToken);
            }

            return RunAsync(console, cancellationToken, () => IssueInto(
                parse.GetRequiredValue(caFolder),
                parse.GetRequiredValue(output),
                FleetCertificates.ServerCertificateFile,
                FleetCertificates.ServerKeyFile,
                ca => FleetCertificates.IssueServer(ca, names, addresses, console.Time.GetUtcNow(), parse.GetValue(days))));
        });
        return command;
    }

    private static List<string> IssueInto(string caFolder, string outFolder, string certificateFile, string keyFile, Func<X509Certificate2, X509Certificate2> issue)
    {
        var caCertificate = Path.Combine(caFolder, FleetCertificates.CaCertificateFile);
        var caKey = Path.Combine(caFolder, FleetCertificates.CaKeyFile);
        if (!File.Exists(caCertificate) || !File.Exists(caKey))
        {
            throw new FileNotFoundException($"--ca '{caFolder}' has no {FleetCertificates.CaCertificateFile} and {FleetCertificates.CaKeyFile}: create the CA with 'identity ca --out {caFolder}' first.");
        }

        using var ca = FleetCertificates.LoadPem(caCertificate, caKey);
        var folder = Directory.CreateDirectory(outFolder).FullName;
        var certificate = Path.Combine(folder, certificateFile);
        var key = Path.Combine(folder, keyFile);
        RefuseExisting(certificate, key);
        using var issued = issue(ca);
        FleetCertificates.WritePem(issued, certificate, key);

        // The CA certificate travels with every issued pair: the device trusts the cloud by it, and the cloud its devices.
        var trust = Path.Combine(folder, FleetCertificates.CaCertificateFile);
        if (!File.Exists(trust))
        {
            FleetCertificates.WriteCertificatePem(ca, trust);
        }

        return Describe(issued, certificate, key, trust);
    }

    private static List<string> Describe(X509Certificate2 certificate, string certificatePath, string keyPath, string? trustPath)
    {
        var lines = new List<string>
        {
            $"Subject:     {certificate.Subject}",
            string.Create(CultureInfo.InvariantCulture, $"Valid until: {certificate.NotAfter.ToUniversalTime():u}"),
            $"SHA-256:     {certificate.GetCertHashString(HashAlgorithmName.SHA256)}",
            $"Wrote {certificatePath}",
            $"Wrote {keyPath} (owner read/write only)",
        };
        if (DeviceIdentity.FromCertificate(certificate) is { } deviceId)
        {
            lines.Insert(1, $"Device:      {deviceId} ({DeviceIdentity.ToUri(deviceId)})");
        }

        if (trustPath is not null)
        {
            lines.Add($"CA copy at  {trustPath}");
        }

        return lines;
    }

    private static async Task<int> RunAsync(CliConsole console, CancellationToken cancellationToken, Func<List<string>> work)
    {
        List<string> lines;
        try
        {
            lines = work();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or CryptographicException or ArgumentException)
        {
            return await BadArgumentAsync(console, ex.Message, cancellationToken).ConfigureAwait(false);
        }

        foreach (var line in lines)
        {
            await console.Output.WriteLineAsync(line.AsMemory(), cancellationToken).ConfigureAwait(false);
        }

        return ExitCodes.Ok;
    }

    // Checked before anything is written, so a refused command leaves no half-written pair behind.
    private static void RefuseExisting(params string[] paths)
    {
        foreach (var path in paths)
        {
            if (File.Exists(path))
            {
                throw new IOException($"{path} already exists. Nothing was overwritten: choose another --out folder, or remove the old files first.");
            }
        }
    }

    private static async Task<int> BadArgumentAsync(CliConsole console, string message, CancellationToken cancellationToken)
    {
        await console.Error.WriteLineAsync(message.AsMemory(), cancellationToken).ConfigureAwait(false);
        return ExitCodes.BadArguments;
    }

    private static Option<string> OutOption(string description) => new("--out") { Description = description, Required = true };

    private static Option<string> CaOption() => new("--ca") { Description = "Folder holding ca.crt and ca.key (from 'identity ca').", Required = true };

    private static Option<int> DaysOption(int days)
    {
        var option = new Option<int>("--days") { Description = $"Validity in days (default {days}).", DefaultValueFactory = _ => days };
        option.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int>() is < 1 or > 36500)
            {
                result.AddError("--days must be between 1 and 36500.");
            }
        });
        return option;
    }
}
