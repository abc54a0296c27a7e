using System.Security.Claims;
using Inspection.CloudInference.Accounts;
using Inspection.Contracts.Api;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Net.Http.Headers;

namespace Inspection.CloudInference.AgentReleases;

/// <summary>
/// <c>/api/agent-releases</c>: upload a signed agent bundle (engineer), list and read releases (any signed-in account),
/// and serve each bundle to devices with HTTP <c>Range</c> (a cut download resumes) and an ETag equal to its SHA-256.
/// </summary>
public static class AgentReleasesApiExtensions
{
    /// <summary>The path a registered release's bundle is served at.</summary>
    public static string BundleUrl(string version) => $"/api/agent-releases/{version}/{AgentReleaseStore.BundleFile(version)}";

    public static IEndpointRouteBuilder MapAgentReleases(this IEndpointRouteBuilder endpoints)
    {
        var api = endpoints.MapGroup("/api/agent-releases").RequireAuthorization(AccessPolicies.Operator);

        // The body is the bundle (application/zip), as 'Inspection.ModelTools pack-agent' wrote it.
        api.MapPost("/", async (HttpRequest request, AgentReleaseStore store, ClaimsPrincipal user, CancellationToken cancellationToken) =>
        {
            if (request.ContentLength > store.MaxBundleBytes)
            {
                return Results.Json(new ApiError(store.TooLarge), statusCode: StatusCodes.Status413PayloadTooLarge);
            }

            // Kestrel's own limit (30 MB) is lifted for this body, which the store reads with a bound of its own.
            if (request.HttpContext.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } bodyLimit)
            {
                bodyLimit.MaxRequestBodySize = null;
            }

            var result = await store.RegisterAsync(request.Body, user.Actor(), cancellationToken).ConfigureAwait(false);
            return result.Release is { } release
                ? Results.Created($"/api/agent-releases/{release.Version}", Item(release))
                : Results.Json(new ApiError(result.Error!), statusCode: result.Status);
        }).RequireAuthorization(AccessPolicies.Engineer);

        api.MapGet("/", (AgentReleaseStore store) => Results.Ok(store.List().Select(Item)));

        api.MapGet("/{version}", (AgentReleaseStore store, string version) =>
            store.Find(version) is { } release
                ? Results.Ok(Item(release))
                : Results.NotFound(new ApiError($"no agent release {version} is registered")));

        api.MapGet("/{version}/{file}", async (AgentReleaseStore store, string version, string file, CancellationToken cancellationToken) =>
        {
            if (store.Find(version) is not { } release
                || file != AgentReleaseStore.BundleFile(version)
                || await store.BundlePathAsync(version, cancellationToken).ConfigureAwait(false) is not { } path)
            {
                return Results.NotFound(new ApiError($"agent release {version} has no file '{file}'"));
            }

            return Results.File(path, "application/zip", enableRangeProcessing: true, entityTag: new EntityTagHeaderValue($"\"{release.Sha256}\""));
        }).AllowAnonymous(); // Devices download here (with no account): the bundle is checked against its size, hash and signature.
        return endpoints;
    }

    private static AgentReleaseItem Item(AgentRelease release) => new(
        release.Version,
        release.Sha256,
        release.Size,
        release.KeyId,
        release.Entry,
        release.Files,
        release.InstalledSize,
        BundleUrl(release.Version),
        new DateTimeOffset(DateTime.SpecifyKind(release.UploadedAt, DateTimeKind.Utc)),
        release.UploadedBy);
}
