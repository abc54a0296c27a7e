using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Inspection.Contracts.Identity;
using Microsoft.Extensions.Options;

namespace Inspection.EdgeAgent.Forwarding;

/// <summary>
/// The device's loaded mTLS identity (<see cref="CloudTlsOptions"/>), and the HTTP handlers that present it: one for the
/// gRPC channel, one for model downloads. Without <c>Cloud:Tls</c> the handlers are plain.
/// </summary>
public sealed class CloudTls : IDisposable
{
    private readonly X509Certificate2? _certificate;
    private readonly X509Certificate2? _authority;
    private readonly TimeProvider _time;

    public CloudTls(IOptions<CloudTlsOptions> options, IOptions<EdgeOptions> edge, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(edge);
        _time = time;
        var tls = options.Value;
        if (!tls.Configured)
        {
            return;
        }

        try
        {
            _certificate = FleetCertificates.LoadPem(tls.CertificatePath!, tls.KeyPath!);
            _authority = FleetCertificates.LoadCertificatePem(tls.CaPath!);
        }
        catch (Exception ex) when (ex is CryptographicException or IOException or ArgumentException)
        {
            throw new InvalidOperationException(
                $"Cloud:Tls: the device certificate, key or CA could not be loaded ({ex.Message}). Use the PEM files 'identity device' wrote.", ex);
        }

        // Caught here rather than as a stream of refused frames: the cloud accepts frames only for the certified device.
        var certified = DeviceIdentity.FromCertificate(_certificate);
        var deviceId = edge.Value.DeviceId;
        if (certified is null || (deviceId.Length > 0 && certified != deviceId))
        {
            throw new InvalidOperationException(
                $"Cloud:Tls:CertificatePath is a certificate for device '{certified ?? "(none)"}', but Edge:DeviceId is '{deviceId}': the cloud would refuse every frame. Issue one with 'identity device --device {deviceId}'.");
        }

        if (!FleetTrust.Validate(_certificate, _authority, FleetTrust.ClientAuthOid, time.GetUtcNow(), out var error))
        {
            throw new InvalidOperationException($"Cloud:Tls:CertificatePath is not a valid device certificate of the CA in Cloud:Tls:CaPath: {error}.");
        }
    }

    /// <summary>True when the device presents a client certificate.</summary>
    public bool Configured => _certificate is not null;

    /// <summary>The device id the certificate names; null without <c>Cloud:Tls</c>.</summary>
    public string? DeviceId => _certificate is null ? null : DeviceIdentity.FromCertificate(_certificate);

    /// <summary>A new handler presenting the device certificate and trusting only the fleet CA (plain when not configured).</summary>
    public SocketsHttpHandler CreateHandler()
    {
        var handler = new SocketsHttpHandler
        {
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            EnableMultipleHttp2Connections = true,
        };
        if (_certificate is not null)
        {
            handler.SslOptions = new SslClientAuthenticationOptions
            {
                ClientCertificates = [_certificate],
                RemoteCertificateValidationCallback = ValidateServer,
            };
        }

        return handler;
    }

    // The platform's verdict is against the system roots, where the fleet CA is not: only its name check is kept.
    private bool ValidateServer(object sender, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
    {
        if (certificate is null || (errors & (SslPolicyErrors.RemoteCertificateNotAvailable | SslPolicyErrors.RemoteCertificateNameMismatch)) != 0)
        {
            return false;
        }

        using var server = new X509Certificate2(certificate);
        return FleetTrust.Validate(server, _authority!, FleetTrust.ServerAuthOid, _time.GetUtcNow(), out _);
    }

    public void Dispose()
    {
        _certificate?.Dispose();
        _authority?.Dispose();
    }
}
