namespace Inspection.Mqtt;

/// <summary>
/// TLS towards the broker, bound from the <c>Tls</c> sub-section of a client's MQTT section (<c>Mqtt:Tls</c> on the
/// device, <c>Cloud:Mqtt:Tls</c> in the cloud). Off by default, for a broker on the same machine or a closed line
/// network.
/// </summary>
public sealed class MqttTlsOptions
{
    /// <summary>Connect over TLS. Key <c>…:Tls:Enabled</c>, default false.</summary>
    public bool Enabled { get; set; }

    /// <summary>
    /// PEM file with the certificate authority the broker's certificate must chain to. Key <c>…:Tls:CaFile</c>,
    /// default none (the operating system's trusted roots).
    /// </summary>
    public string? CaFile { get; set; }

    /// <summary>
    /// PEM client certificate, for a broker that requires one (mosquitto <c>require_certificate true</c>). Key
    /// <c>…:Tls:CertificateFile</c>, default none.
    /// </summary>
    public string? CertificateFile { get; set; }

    /// <summary>PEM private key of <see cref="CertificateFile"/>. Key <c>…:Tls:KeyFile</c>, default none.</summary>
    public string? KeyFile { get; set; }

    /// <summary>
    /// The name the broker's certificate must carry, when it differs from the host connected to (e.g. connecting by
    /// address). Key <c>…:Tls:ServerName</c>, default: the host.
    /// </summary>
    public string? ServerName { get; set; }

    /// <summary>What is wrong with these settings, in words a line engineer can act on; empty when nothing is.</summary>
    /// <param name="section">The configuration section these were bound from, for the messages.</param>
    public IEnumerable<string> Problems(string section)
    {
        if (!Enabled)
        {
            yield break;
        }

        if (CaFile is { Length: > 0 } && !File.Exists(CaFile))
        {
            yield return $"{section}:Tls:CaFile '{CaFile}' does not exist: copy the broker's CA certificate (PEM) there or remove the key to trust the system's roots.";
        }

        if (CertificateFile is { Length: > 0 } != KeyFile is { Length: > 0 })
        {
            yield return $"{section}:Tls:CertificateFile and {section}:Tls:KeyFile go together: set both (PEM certificate and its key) or neither.";
        }

        foreach (var file in new[] { (Key: "CertificateFile", Path: CertificateFile), (Key: "KeyFile", Path: KeyFile) })
        {
            if (file.Path is { Length: > 0 } && !File.Exists(file.Path))
            {
                yield return $"{section}:Tls:{file.Key} '{file.Path}' does not exist.";
            }
        }
    }
}
