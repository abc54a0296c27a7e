using System.Net;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Inspection.EdgeAgent.Forwarding;

/// <summary>
/// The rule for the link to the cloud in Production (the Jetson unit sets <c>DOTNET_ENVIRONMENT=Production</c>): frames
/// and models travel only over mTLS, so a device cannot be impersonated and its frames are not readable on the plant
/// network. Cleartext to a loopback address stays allowed: it never leaves the machine (the cloud on the same host, or a
/// local TLS proxy). Checked with the other options at start, so the agent refuses to start and says why.
/// </summary>
public sealed class ProductionTransport : IValidateOptions<CloudOptions>
{
    private readonly bool _production;
    private readonly IOptions<CloudTlsOptions> _tls;

    public ProductionTransport(IHostEnvironment environment, IOptions<CloudTlsOptions> tls)
    {
        ArgumentNullException.ThrowIfNull(environment);
        _production = environment.IsProduction();
        _tls = tls;
    }

    public ValidateOptionsResult Validate(string? name, CloudOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var refusals = options.Endpoints
            .Select(address => Refusal(_production, address, _tls.Value, options.EndpointsKey))
            .OfType<string>()
            .ToList();
        return refusals.Count > 0 ? ValidateOptionsResult.Fail(refusals) : ValidateOptionsResult.Success;
    }

    /// <summary>Why the agent must not start with these settings, or null when it may.</summary>
    public static string? Refusal(bool production, string address, CloudTlsOptions tls, string key = "Cloud:Address")
    {
        ArgumentNullException.ThrowIfNull(tls);
        if (!production || !Uri.TryCreate(address, UriKind.Absolute, out var uri) || IsLoopback(uri))
        {
            return null;
        }

        if (uri.Scheme == Uri.UriSchemeHttps && tls.Configured)
        {
            return null;
        }

        return $"In Production the link to the cloud must be mTLS, but {key} is '{address}'" +
            (tls.Configured ? "" : " and Cloud:Tls is not set") +
            $". Set {key} to the cloud's https:// endpoint (its Cloud:Tls:Url, e.g. https://cloud-host:5101) and " +
            "Cloud:Tls:CertificatePath, Cloud:Tls:KeyPath and Cloud:Tls:CaPath to the device.crt, device.key and ca.crt " +
            "from 'identity device' (deploy/jetson/README.md, \"Device certificate\"). Cleartext is allowed only to a loopback address.";
    }

    private static bool IsLoopback(Uri uri) =>
        uri.IsLoopback || (IPAddress.TryParse(uri.Host.Trim('[', ']'), out var address) && IPAddress.IsLoopback(address));
}
