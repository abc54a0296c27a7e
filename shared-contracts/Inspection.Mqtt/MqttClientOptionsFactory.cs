using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using MQTTnet;
using MQTTnet.Formatter;
using System.Buffers;
using MQTTnet.Protocol;

namespace Inspection.Mqtt;

/// <summary>Turns <see cref="MqttSessionSettings"/> into MQTTnet's client options, TLS included.</summary>
public static class MqttClientOptionsFactory
{
    public static MqttClientOptions Create(MqttSessionSettings settings)
    {
        var builder = new MqttClientOptionsBuilder()
            .WithTcpServer(settings.Host, settings.Port)
            .WithClientId(settings.ClientId)
            .WithProtocolVersion(MqttProtocolVersion.V500)
            .WithCleanStart(false)
            .WithSessionExpiryInterval(settings.SessionExpirySeconds)
            .WithKeepAlivePeriod(settings.KeepAlive)
            .WithTimeout(settings.ConnectTimeout);
        if (!string.IsNullOrEmpty(settings.Username))
        {
            builder.WithCredentials(settings.Username, settings.Password);
        }

        if (settings.LastWill?.Invoke() is { } will)
        {
            builder
                .WithWillTopic(will.Topic)
                .WithWillPayload(BuffersExtensions.ToArray(will.Payload))
                .WithWillRetain(will.Retain)
                .WithWillQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce);
        }

        if (settings.Tls.Enabled)
        {
            builder.WithTlsOptions(Tls(settings.Tls, settings.Host));
        }

        return builder.Build();
    }

    private static MqttClientTlsOptions Tls(MqttTlsOptions tls, string host)
    {
        var builder = new MqttClientTlsOptionsBuilder()
            .UseTls()
            .WithTargetHost(string.IsNullOrWhiteSpace(tls.ServerName) ? host : tls.ServerName);
        if (tls.CaFile is { Length: > 0 } caFile)
        {
            // The broker's own CA, not the system's roots: a plant broker's certificate is rarely from a public CA.
            var authority = new X509Certificate2Collection();
            authority.ImportFromPemFile(caFile);
            builder.WithCertificateValidationHandler(args => ChainsTo(authority, args.Certificate, args.SslPolicyErrors));
        }

        if (tls.CertificateFile is { Length: > 0 } certificateFile)
        {
            builder.WithClientCertificates([X509Certificate2.CreateFromPemFile(certificateFile, tls.KeyFile)]);
        }

        return builder.Build();
    }

    private static bool ChainsTo(X509Certificate2Collection authority, X509Certificate? presented, SslPolicyErrors errors)
    {
        // The name must still match; only the chain is judged against our CA instead of the system's roots.
        if (presented is null || (errors & ~SslPolicyErrors.RemoteCertificateChainErrors) != SslPolicyErrors.None)
        {
            return false;
        }

        using var certificate = X509CertificateLoader.LoadCertificate(presented.GetRawCertData());
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.CustomTrustStore.AddRange(authority);
        return chain.Build(certificate);
    }
}
