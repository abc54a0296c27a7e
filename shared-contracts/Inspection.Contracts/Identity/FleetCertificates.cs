using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Inspection.Contracts.Mqtt;

namespace Inspection.Contracts.Identity;

/// <summary>
/// Issues the fleet's certificates: one self-signed CA (ECDSA P-256), a client certificate per device and the cloud's
/// server certificate, all signed by that CA. The operator CLI's <c>identity ca|device|server</c> commands and the
/// tests use this one code, so what the tests prove holds for the files the commands write.
/// </summary>
public static class FleetCertificates
{
    /// <summary>File name of the CA certificate (PEM) in every folder the commands write.</summary>
    public const string CaCertificateFile = "ca.crt";

    /// <summary>File name of the CA private key (PEM, PKCS#8, mode 0600); only in the CA folder.</summary>
    public const string CaKeyFile = "ca.key";

    public const string DeviceCertificateFile = "device.crt";

    public const string DeviceKeyFile = "device.key";

    public const string ServerCertificateFile = "server.crt";

    public const string ServerKeyFile = "server.key";

    // Certificates are valid from a little before "now": a device whose clock runs a few minutes behind the
    // machine that issued its certificate must not refuse it as not yet valid.
    private static readonly TimeSpan ClockSkew = TimeSpan.FromMinutes(5);

    /// <summary>A self-signed CA allowed to sign end-entity certificates only (path length 0).</summary>
    public static X509Certificate2 CreateAuthority(string name, DateTimeOffset now, int validDays)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(CommonName(name), key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, true, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        return request.CreateSelfSigned(now - ClockSkew, now.AddDays(validDays));
    }

    /// <summary>A device's client certificate: CN and SAN URI name the device; usable for TLS client auth only.</summary>
    public static X509Certificate2 IssueDevice(X509Certificate2 authority, string deviceId, DateTimeOffset now, int validDays)
    {
        if (!MqttTopics.IsValidDeviceId(deviceId))
        {
            throw new ArgumentException($"Device id '{deviceId}' is not valid: use 1-64 letters, digits, '-', '_' or '.'.", nameof(deviceId));
        }

        var names = new SubjectAlternativeNameBuilder();
        names.AddUri(DeviceIdentity.ToUri(deviceId));
        return Issue(authority, CommonName(deviceId), names, FleetTrust.ClientAuthOid, now, validDays);
    }

    /// <summary>The cloud's server certificate for the DNS names and addresses devices use to reach it.</summary>
    public static X509Certificate2 IssueServer(
        X509Certificate2 authority, IReadOnlyCollection<string> dnsNames, IReadOnlyCollection<IPAddress> addresses, DateTimeOffset now, int validDays)
    {
        ArgumentNullException.ThrowIfNull(dnsNames);
        ArgumentNullException.ThrowIfNull(addresses);
        if (dnsNames.Count == 0 && addresses.Count == 0)
        {
            throw new ArgumentException("A server certificate needs at least one DNS name or IP address: the one devices put in Cloud:Address.");
        }

        var names = new SubjectAlternativeNameBuilder();
        foreach (var dns in dnsNames)
        {
            names.AddDnsName(dns);
        }

        foreach (var address in addresses)
        {
            names.AddIpAddress(address);
        }

        var commonName = dnsNames.FirstOrDefault() ?? addresses.First().ToString();
        return Issue(authority, CommonName(commonName), names, FleetTrust.ServerAuthOid, now, validDays);
    }

    /// <summary>
    /// Writes the certificate as PEM to <paramref name="certificatePath"/> and its private key (PKCS#8 PEM) to
    /// <paramref name="keyPath"/>, readable by the owner only. Existing files are never overwritten: replacing a CA key
    /// by accident would orphan every certificate it signed.
    /// </summary>
    public static void WritePem(X509Certificate2 certificate, string certificatePath, string keyPath)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        var key = certificate.GetECDsaPrivateKey()
            ?? throw new ArgumentException("The certificate carries no ECDSA private key to write.", nameof(certificate));
        using (key)
        {
            WriteNew(keyPath, key.ExportPkcs8PrivateKeyPem(), UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        WriteNew(certificatePath, certificate.ExportCertificatePem() + "\n", UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
    }

    /// <summary>Writes only the certificate (a copy of the CA certificate for a device or the cloud to trust).</summary>
    public static void WriteCertificatePem(X509Certificate2 certificate, string path)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        WriteNew(path, certificate.ExportCertificatePem() + "\n", UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
    }

    /// <summary>Loads a certificate and its private key from PEM files.</summary>
    public static X509Certificate2 LoadPem(string certificatePath, string keyPath) =>
        X509Certificate2.CreateFromPemFile(certificatePath, keyPath);

    /// <summary>Loads a certificate without a key (the CA to trust).</summary>
    public static X509Certificate2 LoadCertificatePem(string path) =>
        X509Certificate2.CreateFromPem(File.ReadAllText(path));

    private static X509Certificate2 Issue(
        X509Certificate2 authority, X500DistinguishedName subject, SubjectAlternativeNameBuilder names, string usageOid, DateTimeOffset now, int validDays)
    {
        ArgumentNullException.ThrowIfNull(authority);
        using var signer = authority.GetECDsaPrivateKey()
            ?? throw new ArgumentException("The CA certificate was loaded without its private key (ca.key).", nameof(authority));
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid(usageOid)], false));
        request.CertificateExtensions.Add(names.Build(critical: false));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(authority, true, false));

        // Never past the CA's own end: a chain with an expired CA fails anyway, and the date would mislead.
        var notAfter = now.AddDays(validDays);
        if (notAfter > authority.NotAfter)
        {
            notAfter = authority.NotAfter;
        }

        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7F;
        using var issued = request.Create(authority.SubjectName, X509SignatureGenerator.CreateForECDsa(signer), now - ClockSkew, notAfter, serial);
        return issued.CopyWithPrivateKey(key);
    }

    private static void WriteNew(string path, string text, UnixFileMode mode)
    {
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = mode;
        }

        using var stream = new FileStream(path, options);
        using var writer = new StreamWriter(stream);
        writer.Write(text);
    }

    private static X500DistinguishedName CommonName(string name)
    {
        var builder = new X500DistinguishedNameBuilder();
        builder.AddCommonName(name);
        return builder.Build();
    }
}
