using System.Net;
using System.Security.Cryptography.X509Certificates;
using Inspection.Contracts.Identity;

namespace Inspection.EdgeAgent.Tests.TestSupport;

/// <summary>
/// A fleet CA with a server certificate for 127.0.0.1 and device certificates, issued by the same code as the operator
/// CLI's <c>identity</c> commands; device files are written where <c>Cloud:Tls</c> points.
/// </summary>
internal sealed class TestFleet : IDisposable
{
    private readonly string _folder;

    public TestFleet(string folder)
    {
        _folder = Directory.CreateDirectory(folder).FullName;
        Authority = FleetCertificates.CreateAuthority("Edge test fleet CA", DateTimeOffset.UtcNow, 365);
        Server = FleetCertificates.IssueServer(Authority, ["localhost"], [IPAddress.Loopback], DateTimeOffset.UtcNow, 30);
    }

    public X509Certificate2 Authority { get; }

    public X509Certificate2 Server { get; }

    /// <summary>Writes <c>identity device</c>'s three files for <paramref name="deviceId"/>; returns the <c>Cloud:Tls</c> settings.</summary>
    public Dictionary<string, string?> DeviceSettings(string deviceId)
    {
        var folder = Directory.CreateDirectory(Path.Combine(_folder, deviceId)).FullName;
        var certificate = Path.Combine(folder, FleetCertificates.DeviceCertificateFile);
        var key = Path.Combine(folder, FleetCertificates.DeviceKeyFile);
        var ca = Path.Combine(folder, FleetCertificates.CaCertificateFile);
        if (!File.Exists(certificate))
        {
            using var issued = FleetCertificates.IssueDevice(Authority, deviceId, DateTimeOffset.UtcNow, 30);
            FleetCertificates.WritePem(issued, certificate, key);
            FleetCertificates.WriteCertificatePem(Authority, ca);
        }

        return new()
        {
            ["Cloud:Tls:CertificatePath"] = certificate,
            ["Cloud:Tls:KeyPath"] = key,
            ["Cloud:Tls:CaPath"] = ca,
        };
    }

    public void Dispose()
    {
        Server.Dispose();
        Authority.Dispose();
    }
}
