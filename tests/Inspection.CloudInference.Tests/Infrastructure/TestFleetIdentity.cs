using System.Net;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Inspection.Contracts.Identity;

namespace Inspection.CloudInference.Tests.Infrastructure;

/// <summary>
/// A fleet CA, the cloud's server certificate for 127.0.0.1 and device certificates, issued by the same code as the
/// operator CLI's <c>identity</c> commands and written as the PEM files the cloud and the edge load.
/// </summary>
public sealed class TestFleetIdentity : IDisposable
{
    private TestFleetIdentity(string folder, X509Certificate2 authority)
    {
        Folder = folder;
        Authority = authority;
        CaPath = Path.Combine(folder, FleetCertificates.CaCertificateFile);
        FleetCertificates.WritePem(authority, CaPath, Path.Combine(folder, FleetCertificates.CaKeyFile));
        using var server = FleetCertificates.IssueServer(authority, ["localhost"], [IPAddress.Loopback], DateTimeOffset.UtcNow, 30);
        ServerCertificatePath = Path.Combine(folder, FleetCertificates.ServerCertificateFile);
        ServerKeyPath = Path.Combine(folder, FleetCertificates.ServerKeyFile);
        FleetCertificates.WritePem(server, ServerCertificatePath, ServerKeyPath);
    }

    public string Folder { get; }

    public X509Certificate2 Authority { get; }

    public string CaPath { get; }

    public string ServerCertificatePath { get; }

    public string ServerKeyPath { get; }

    public static TestFleetIdentity Create(string folder, string name = "Test fleet CA") =>
        new(Directory.CreateDirectory(folder).FullName, FleetCertificates.CreateAuthority(name, DateTimeOffset.UtcNow, 365));

    /// <summary>The cloud's arguments for an mTLS endpoint on 127.0.0.1, port chosen by the system.</summary>
    public IEnumerable<string> CloudArguments() =>
    [
        "--Cloud:Tls:Url=https://127.0.0.1:0",
        $"--Cloud:Tls:CertificatePath={ServerCertificatePath}",
        $"--Cloud:Tls:KeyPath={ServerKeyPath}",
        $"--Cloud:Tls:ClientCaPath={CaPath}",
    ];

    /// <summary>A device certificate with its key, as loaded from the files <c>identity device</c> writes.</summary>
    public X509Certificate2 Device(string deviceId)
    {
        var folder = Directory.CreateDirectory(Path.Combine(Folder, deviceId)).FullName;
        using (var issued = FleetCertificates.IssueDevice(Authority, deviceId, DateTimeOffset.UtcNow, 30))
        {
            FleetCertificates.WritePem(issued, Path.Combine(folder, FleetCertificates.DeviceCertificateFile), Path.Combine(folder, FleetCertificates.DeviceKeyFile));
        }

        return FleetCertificates.LoadPem(Path.Combine(folder, FleetCertificates.DeviceCertificateFile), Path.Combine(folder, FleetCertificates.DeviceKeyFile));
    }

    /// <summary>A handler presenting <paramref name="client"/> (or nothing) and trusting this fleet's CA for the server.</summary>
    public SocketsHttpHandler Handler(X509Certificate2? client) => new()
    {
        SslOptions = new SslClientAuthenticationOptions
        {
            ClientCertificates = client is null ? [] : [client],
            RemoteCertificateValidationCallback = (_, certificate, _, errors) =>
                certificate is not null
                && (errors & SslPolicyErrors.RemoteCertificateNameMismatch) == 0
                && FleetTrust.Validate(new X509Certificate2(certificate), Authority, FleetTrust.ServerAuthOid, DateTimeOffset.UtcNow, out _),
        },
    };

    public void Dispose() => Authority.Dispose();
}
