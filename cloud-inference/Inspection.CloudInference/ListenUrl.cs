using System.Diagnostics.CodeAnalysis;
using System.Net;

namespace Inspection.CloudInference;

/// <summary>
/// A listen address parsed from a URL such as <c>http://127.0.0.1:5100</c> (cleartext) or, for the devices' mTLS
/// endpoint, <c>https://0.0.0.0:5101</c>.
/// </summary>
/// <param name="Address">The address to bind; <see cref="IPAddress.Any"/> for <c>0.0.0.0</c> or <c>*</c>.</param>
/// <param name="Port">The TCP port; 0 lets the operating system choose.</param>
public sealed record ListenUrl(IPAddress Address, int Port)
{
    public static bool TryParse(string? url, [NotNullWhen(true)] out ListenUrl? listen, out string error) =>
        TryParse(url, Uri.UriSchemeHttp, out listen, out error);

    /// <summary>Parses an <c>https://&lt;address&gt;:&lt;port&gt;</c> URL (the scheme must be https).</summary>
    public static bool TryParseHttps(string? url, [NotNullWhen(true)] out ListenUrl? listen, out string error) =>
        TryParse(url, Uri.UriSchemeHttps, out listen, out error);

    private static bool TryParse(string? url, string scheme, [NotNullWhen(true)] out ListenUrl? listen, out string error)
    {
        listen = null;
        if (string.IsNullOrWhiteSpace(url))
        {
            error = "it is empty";
            return false;
        }

        // Uri rejects "*" as a host; treat it as "every interface" the way Kestrel does.
        var normalized = url.Replace("://*:", "://0.0.0.0:", StringComparison.Ordinal);
        if (!Uri.TryCreate(normalized, UriKind.Absolute, out var uri) || uri.Scheme != scheme)
        {
            error = scheme == Uri.UriSchemeHttps
                ? "expected https://<address>:<port>"
                : "expected http://<address>:<port> (TLS is served only on Cloud:Tls:Url)";
            return false;
        }

        if (uri.IsDefaultPort && !normalized.Contains(scheme == Uri.UriSchemeHttps ? ":443" : ":80", StringComparison.Ordinal))
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
