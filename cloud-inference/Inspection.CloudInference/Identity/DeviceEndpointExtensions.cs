using Inspection.Contracts.Identity;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;

namespace Inspection.CloudInference.Identity;

/// <summary>The devices' mTLS endpoint: listening (Kestrel) and what it serves (a filter before routing).</summary>
public static class DeviceEndpointExtensions
{
    /// <summary>
    /// Listens on <c>Cloud:Tls:Url</c> with the server certificate, requiring a client certificate that
    /// <see cref="DeviceCertificateValidator"/> accepts. HTTP/2 for gRPC and HTTP/1.1 for downloads, chosen by ALPN.
    /// </summary>
    public static void ListenForDevices(this KestrelServerOptions kestrel, CloudTlsOptions tls, CloudEndpoints endpoints)
    {
        ArgumentNullException.ThrowIfNull(kestrel);
        ArgumentNullException.ThrowIfNull(tls);
        if (!tls.Enabled)
        {
            return;
        }

        var problems = tls.Problems().Select(static p => p.Message).ToList();
        if (problems.Count > 0)
        {
            throw new InvalidOperationException(string.Join(" ", problems));
        }

        ListenUrl.TryParseHttps(tls.Url, out var listen, out _);
        var server = LoadPem(() => FleetCertificates.LoadPem(tls.CertificatePath!, tls.KeyPath!), "Cloud:Tls:CertificatePath/KeyPath");
        var authority = LoadPem(() => FleetCertificates.LoadCertificatePem(tls.ClientCaPath!), "Cloud:Tls:ClientCaPath");
        var services = kestrel.ApplicationServices;
        var validator = new DeviceCertificateValidator(
            authority, services.GetRequiredService<TimeProvider>(), services.GetRequiredService<ILogger<DeviceCertificateValidator>>());
        kestrel.Listen(listen!.Address, listen.Port, options =>
        {
            options.Protocols = HttpProtocols.Http1AndHttp2;
            options.UseHttps(new HttpsConnectionAdapterOptions
            {
                ServerCertificate = server,
                ClientCertificateMode = ClientCertificateMode.RequireCertificate,
                ClientCertificateValidation = validator.Validate,
                CheckCertificateRevocation = false,
            });
            endpoints.SetTls(options);
        });
    }

    /// <summary>
    /// On the mTLS endpoint, only gRPC and reading model packages and agent bundles are served: a device certificate must not open the
    /// operator API (commanding devices, starting rollouts). Everything else there answers 404.
    /// </summary>
    public static WebApplication UseDeviceEndpointFilter(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.Use(static (context, next) =>
        {
            var request = context.Request;
            if (!request.IsHttps || IsDeviceRoute(request))
            {
                return next(context);
            }

            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return Task.CompletedTask;
        });
        return app;
    }

    private static bool IsDeviceRoute(HttpRequest request) =>
        request.ContentType?.StartsWith("application/grpc", StringComparison.OrdinalIgnoreCase) == true
        || ((HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method))
            && (request.Path.StartsWithSegments("/api/models", StringComparison.Ordinal)
                || request.Path.StartsWithSegments("/api/agent-releases", StringComparison.Ordinal)));

    private static T LoadPem<T>(Func<T> load, string keys)
    {
        try
        {
            return load();
        }
        catch (Exception ex) when (ex is System.Security.Cryptography.CryptographicException or IOException or ArgumentException)
        {
            throw new InvalidOperationException($"{keys}: the PEM file could not be loaded ({ex.Message}).", ex);
        }
    }
}
