using System.Security.Cryptography.X509Certificates;

namespace Inspection.Contracts.Identity;

/// <summary>
/// Chain validation against the fleet CA alone: the system's root store is never consulted, so a certificate from any
/// public or corporate CA is refused, however valid it is elsewhere.
/// </summary>
public static class FleetTrust
{
    /// <summary>Extended key usage of a TLS client (a device).</summary>
    public const string ClientAuthOid = "1.3.6.1.5.5.7.3.2";

    /// <summary>Extended key usage of a TLS server (the cloud).</summary>
    public const string ServerAuthOid = "1.3.6.1.5.5.7.3.1";

    /// <summary>
    /// True when <paramref name="certificate"/> chains to <paramref name="authority"/>, is within its validity at
    /// <paramref name="now"/> and allows <paramref name="usageOid"/>; otherwise false with the reasons in
    /// <paramref name="error"/>.
    /// </summary>
    public static bool Validate(X509Certificate2 certificate, X509Certificate2 authority, string usageOid, DateTimeOffset now, out string error)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        ArgumentNullException.ThrowIfNull(authority);
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(authority);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.DisableCertificateDownloads = true;
        chain.ChainPolicy.ApplicationPolicy.Add(new System.Security.Cryptography.Oid(usageOid));
        chain.ChainPolicy.VerificationTime = now.UtcDateTime;
        if (chain.Build(certificate))
        {
            error = string.Empty;
            return true;
        }

        error = string.Join("; ", chain.ChainStatus.Select(static s => s.StatusInformation.Trim()).Where(static s => s.Length > 0).Distinct());
        if (error.Length == 0)
        {
            error = "the certificate does not chain to the fleet CA";
        }

        return false;
    }
}
