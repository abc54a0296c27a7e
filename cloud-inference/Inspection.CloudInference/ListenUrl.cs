using System.Diagnostics.CodeAnalysis;
using System.Net;

namespace Inspection.CloudInference;

/// <summary>A cleartext listen address parsed from a URL such as <c>http://127.0.0.1:5100</c>.</summary>
/// <param name="Address">The address to bind; <see cref="IPAddress.Any"/> for <c>0.0.0.0</c> or <c>*</c>.</param>
/// <param name="Port">The TCP port; 0 lets the operating system choose.</param>
public sealed record ListenUrl(IPAddress Address, int Port)
{
    public static bool TryParse(string? url, [NotNullWhen(true)] out ListenUrl? listen, out string error)
    {
        listen = null;
        if (string.IsNullOrWhiteSpace(url))
        {
            error = "it is empty";
            return false;
        }

        // Uri rejects "*" as a host; treat it as "every interface" the way Kestrel does.
        var normalized = url.Replace("://*:", "://0.0.0.0:", StringComparison.Ordinal);
        if (!Uri.TryCreate(normalized, UriKind.Absolute, out var uri) || uri.Scheme != Uri.UriSchemeHttp)
        {
            error = "expected http://<address>:<port> (TLS is terminated in front of the service)";
            return false;
        }

        if (uri.IsDefaultPort && !normalized.Contains(":80", StringComparison.Ordinal))
        {
            error = "the port is missing";
            return false;
        }

        IPAddress? address = uri.Host switch
        {
            "localhost" => IPAddress.Loopback,
            _ => IPAddress.TryParse(uri.Host.Trim('[', ']'), out var parsed) ? parsed : null,
        };
        if (address is null)
        {
            error = $"'{uri.Host}' is not an IP address (use 127.0.0.1, 0.0.0.0 or an interface address)";
            return false;
        }

        listen = new ListenUrl(address, uri.Port);
        error = string.Empty;
        return true;
    }
}
