using System.Formats.Asn1;
using System.Security.Cryptography.X509Certificates;
using Inspection.Contracts.Mqtt;

namespace Inspection.Contracts.Identity;

/// <summary>
/// How a device certificate names its device: the device id as the subject CN and as a subject alternative name URI
/// <c>urn:inspection:device:{deviceId}</c>. The cloud reads the id from the URI only, because a CN is free text that
/// name-matching code in other tools may treat as a host name.
/// </summary>
public static class DeviceIdentity
{
    /// <summary>The prefix of the SAN URI that carries the device id.</summary>
    public const string UriPrefix = "urn:inspection:device:";

    private const string SubjectAlternativeNameOid = "2.5.29.17";

    private static readonly Asn1Tag UriTag = new(TagClass.ContextSpecific, 6);

    /// <summary>The SAN URI naming <paramref name="deviceId"/>.</summary>
    public static Uri ToUri(string deviceId) => new(UriPrefix + deviceId);

    /// <summary>
    /// The device id named by the certificate's SAN URI, or null when it names none (a server or CA certificate) or
    /// names more than one device, or one that is not a valid device id.
    /// </summary>
    public static string? FromCertificate(X509Certificate2 certificate)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        string? found = null;
        foreach (var extension in certificate.Extensions)
        {
            if (extension.Oid?.Value != SubjectAlternativeNameOid)
            {
                continue;
            }

            foreach (var uri in ReadUris(extension.RawData))
            {
                if (!uri.StartsWith(UriPrefix, StringComparison.Ordinal))
                {
                    continue;
                }

                var id = uri[UriPrefix.Length..];
                if (!MqttTopics.IsValidDeviceId(id) || (found is not null && found != id))
                {
                    return null;
                }

                found = id;
            }
        }

        return found;
    }

    // .NET's SAN extension type enumerates DNS names and IP addresses only; URIs are read from the DER here.
    private static List<string> ReadUris(byte[] der)
    {
        var uris = new List<string>();
        try
        {
            var names = new AsnReader(der, AsnEncodingRules.DER).ReadSequence();
            while (names.HasData)
            {
                if (names.PeekTag() == UriTag)
                {
                    uris.Add(names.ReadCharacterString(UniversalTagNumber.IA5String, UriTag));
                }
                else
                {
                    names.ReadEncodedValue();
                }
            }
        }
        catch (AsnContentException)
        {
            // A malformed extension names nobody.
            return [];
        }

        return uris;
    }
}
