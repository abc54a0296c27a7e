using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Inspection.Contracts.Identity;

namespace Inspection.CloudInference.Identity;

/// <summary>
/// Decides during the TLS handshake whether a client certificate is a device's: issued by the fleet CA (and no other
/// root), valid now, for client authentication, naming a device. A refused client never reaches any service.
/// </summary>
public sealed partial class DeviceCertificateValidator
{
    private readonly X509Certificate2 _authority;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;

    public DeviceCertificateValidator(X509Certificate2 authority, TimeProvider time, ILogger<DeviceCertificateValidator> logger)
    {
        _authority = authority;
        _time = time;
        _logger = logger;
    }

    /// <summary>For Kestrel's <c>ClientCertificateValidation</c>.</summary>
    /// <remarks>
    /// <paramref name="errors"/> is what the platform found against the system's roots, where the fleet CA is not; it
    /// is ignored and the chain is built again against the fleet CA alone.
    /// </remarks>
    public bool Validate(X509Certificate2 certificate, X509Chain? chain, SslPolicyErrors errors)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        if (!FleetTrust.Validate(certificate, _authority, FleetTrust.ClientAuthOid, _time.GetUtcNow(), out var error))
        {
            Log.Refused(_logger, certificate.Subject, error);
            return false;
        }

        if (DeviceIdentity.FromCertificate(certificate) is null)
        {
            Log.Refused(_logger, certificate.Subject, $"no device id in a {DeviceIdentity.UriPrefix}<id> SAN URI");
            return false;
        }

        return true;
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 1101, Level = LogLevel.Warning, Message = "Refused client certificate {Subject}: {Reason}")]
        public static partial void Refused(ILogger logger, string subject, string reason);
    }
}
