using System.Net;
using Inspection.Contracts.Identity;

namespace Inspection.Mqtt.Tests.TestSupport;

/// <summary>PEM files of a fleet CA, a broker certificate for 127.0.0.1/localhost it signed, and a device's certificate.</summary>
internal sealed record TlsFiles(string Ca, string ServerCertificate, string ServerKey, string DeviceCertificate, string DeviceKey)
{
    /// <summary>Issues them with the fleet's own certificate code into <paramref name="directory"/>.</summary>
    public static TlsFiles Create(string directory, string deviceId)
    {
        var now = DateTimeOffset.UtcNow;
        using var authority = FleetCertificates.CreateAuthority("Test fleet CA", now, 1);
        using var server = FleetCertificates.IssueServer(authority, ["localhost"], [IPAddress.Loopback], now, 1);
        using var device = FleetCertificates.IssueDevice(authority, deviceId, now, 1);
        var files = new TlsFiles(
            Path.Combine(directory, FleetCertificates.CaCertificateFile),
            Path.Combine(directory, FleetCertificates.ServerCertificateFile),
            Path.Combine(directory, FleetCertificates.ServerKeyFile),
            Path.Combine(directory, FleetCertificates.DeviceCertificateFile),
            Path.Combine(directory, FleetCertificates.DeviceKeyFile));
        FleetCertificates.WriteCertificatePem(authority, files.Ca);
        FleetCertificates.WritePem(server, files.ServerCertificate, files.ServerKey);
        FleetCertificates.WritePem(device, files.DeviceCertificate, files.DeviceKey);
        return files;
    }
}
