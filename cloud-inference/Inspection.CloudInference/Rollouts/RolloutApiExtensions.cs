using System.Security.Claims;
using Inspection.CloudInference.Accounts;
using Inspection.CloudInference.Models;
using Inspection.Contracts.Api;
using Inspection.Contracts.Rollouts;
using Microsoft.Extensions.Options;

namespace Inspection.CloudInference.Rollouts;

/// <summary>
/// <c>/api/rollouts</c>: start a rollout, list them, follow one (per wave and per device), pause, resume, cancel. Who
/// started, paused, resumed or cancelled it is the signed-in account, never a name in the body.
/// Errors answer <see cref="ApiError"/>: 400 an invalid request, 404 an unknown rollout or release, 409 an action the
/// rollout's state does not allow.
/// </summary>
public static class RolloutApiExtensions
{
    public static IEndpointRouteBuilder MapRollouts(this IEndpointRouteBuilder endpoints)
    {
        var api = endpoints.MapGroup("/api/rollouts").RequireAuthorization(AccessPolicies.Operator);
        api.MapPost("/", async (RolloutController controller, IOptions<ModelRegistryOptions> registry, HttpRequest http, ClaimsPrincipal user, RolloutRequest? request, CancellationToken cancellationToken) =>
        {
            if (request is null)
            {
                return Results.BadRequest(new ApiError("the body must be JSON like {\"release\":5,\"target\":{\"all\":true}}"));
            }

            var baseUrl = new Uri(registry.Value.PublicBaseUrl ?? $"{http.Scheme}://{http.Host}");
            return await Answer(async () =>
            {
                var view = await controller.StartAsync(request, user.Actor(), baseUrl, cancellationToken).ConfigureAwait(false);
                return Results.Created($"/api/rollouts/{view.Id}", view);
            }).ConfigureAwait(false);
        }).RequireAuthorization(AccessPolicies.Engineer);
        api.MapGet("/", (RolloutController controller) => Results.Ok(controller.List()));
        api.MapGet("/{id}", (RolloutController controller, string id) =>
            controller.Find(id) is { } view ? Results.Ok(view) : Results.NotFound(new ApiError($"no rollout '{id}'")));
        api.MapPost("/{id}/pause", (RolloutController controller, ClaimsPrincipal user, string id, RolloutAction? action, CancellationToken cancellationToken) =>
            Answer(async () => Results.Ok(await controller.PauseAsync(id, action, user.Actor(), cancellationToken).ConfigureAwait(false))))
            .RequireAuthorization(AccessPolicies.Engineer);
        api.MapPost("/{id}/resume", (RolloutController controller, ClaimsPrincipal user, string id, RolloutAction? action, CancellationToken cancellationToken) =>
            Answer(async () => Results.Ok(await controller.ResumeAsync(id, action, user.Actor(), cancellationToken).ConfigureAwait(false))))
            .RequireAuthorization(AccessPolicies.Engineer);
        api.MapPost("/{id}/cancel", (RolloutController controller, ClaimsPrincipal user, string id, RolloutAction? action, CancellationToken cancellationToken) =>
            Answer(async () => Results.Ok(await controller.CancelAsync(id, action, user.Actor(), cancellationToken).ConfigureAwait(false))))
            .RequireAuthorization(AccessPolicies.Engineer);
        return endpoints;
    }

    private static async Task<IResult> Answer(Func<Task<IResult>> action)
    {
        try
        {
            return await action().ConfigureAwait(false);
        }
        catch (ArgumentException ex)
        {
            return Results.BadRequest(new ApiError(ex.Message));
        }
        catch (KeyNotFoundException ex)
        {
            return Results.NotFound(new ApiError(ex.Message));
        }
        catch (InvalidOperationException ex)
        {
            return Results.Conflict(new ApiError(ex.Message));
        }
    }
}
