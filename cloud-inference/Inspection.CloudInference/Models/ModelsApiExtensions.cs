using Inspection.CloudInference.Accounts;
using System.Globalization;
using System.Security.Claims;
using Inspection.Contracts.Api;
using Inspection.Detection.Packaging;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Net.Http.Headers;

namespace Inspection.CloudInference.Models;

/// <summary>
/// The model registry's part of the JSON API: upload a package, list and read releases, and serve their files with
/// HTTP <c>Range</c> (a cut download resumes where it stopped) and an ETag equal to the file's SHA-256, so a CDN or an
/// object store could serve the same files.
/// </summary>
public static class ModelsApiExtensions
{
    /// <summary>The path a registered package's file is served at.</summary>
    public static string FileUrl(long release, string path) =>
        string.Create(CultureInfo.InvariantCulture, $"/api/models/{release}/{path}");

    public static IEndpointRouteBuilder MapModels(this IEndpointRouteBuilder endpoints)
    {
        var api = endpoints.MapGroup("/api/models").RequireAuthorization(AccessPolicies.Operator);

        // The body is the package archive (application/zip). The uploader recorded is the signed-in account: a
        // ?uploadedBy= that older clients send is ignored.
        api.MapPost("/", async (HttpRequest request, ModelRegistry registry, ClaimsPrincipal user, CancellationToken cancellationToken) =>
        {
            // The registry's own limit, with its own message: Kestrel's (30 MB by default) is lifted for this body, which
            // the registry reads with a bound of its own.
            if (request.ContentLength > registry.MaxPackageBytes)
            {
                return Results.Json(new ApiError(ModelRegistry.TooLarge(registry.MaxPackageBytes)), statusCode: StatusCodes.Status413PayloadTooLarge);
            }

            if (request.HttpContext.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } bodyLimit)
            {
                bodyLimit.MaxRequestBodySize = null;
            }

            var result = await registry.RegisterAsync(request.Body, user.Actor(), cancellationToken).ConfigureAwait(false);
            return result.Model is { } model
                ? Results.Created(FileUrl(model.Id, string.Empty).TrimEnd('/'), ListItem(model))
                : Results.Json(new ApiError(result.Error!), statusCode: result.Status);
        }).RequireAuthorization(AccessPolicies.Engineer);

        api.MapGet("/", (ModelRegistry registry) => Results.Ok(registry.List().Select(ListItem)));

        api.MapGet("/{release:long}", (ModelRegistry registry, long release) =>
            registry.Find(release) is { } model
                ? Results.Ok(ListItem(model))
                : Results.NotFound(new ApiError($"no release {release} is registered")));

        api.MapGet("/{release:long}/{**path}", (ModelRegistry registry, long release, string path) =>
        {
            if (registry.Find(release) is not { } model || registry.FilePath(release, path) is not { } file)
            {
                return Results.NotFound(new ApiError($"release {release} has no file '{path}'"));
            }

            // The ETag is the SHA-256 the signed manifest gives for the file (for the manifest: its own hash), so any
            // server of the same bytes answers with the same tag and If-Range resumes are safe.
            var sha = path switch
            {
                ModelPackage.ManifestFile => model.ManifestSha256,
                ModelPackage.SignatureFile => null,
                _ => ManifestFileHash(registry, release, path),
            };
            var contentType = path.EndsWith(".json", StringComparison.Ordinal) ? "application/json" : "application/octet-stream";
            return Results.File(
                file,
                contentType,
                enableRangeProcessing: true,
                entityTag: sha is null ? null : new EntityTagHeaderValue($"\"{sha}\""));
        }).AllowAnonymous(); // Devices download here (with no account): every file is checked against the signed manifest.
        return endpoints;
    }

    // The registry's record as the API shows it: with the address its manifest is served at.
    private static ModelListItem ListItem(RegisteredModel model) => new(
        model.Id,
        model.Name,
        model.Version,
        model.Sha256,
        model.Size,
        model.KeyId,
        model.ManifestSha256,
        FileUrl(model.Id, ModelPackage.ManifestFile),
        new DateTimeOffset(DateTime.SpecifyKind(model.UploadedAt, DateTimeKind.Utc)),
        model.UploadedBy,
        model.Validation);

    private static string? ManifestFileHash(ModelRegistry registry, long release, string path)
    {
        var manifestPath = registry.FilePath(release, ModelPackage.ManifestFile);
        if (manifestPath is null || !ModelManifestJson.TryParse(File.ReadAllBytes(manifestPath), out var manifest, out _))
        {
            return null;
        }

        return manifest.Files().FirstOrDefault(f => f.Path == path)?.Sha256;
    }
}
