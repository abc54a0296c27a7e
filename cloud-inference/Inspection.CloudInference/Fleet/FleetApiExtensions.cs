using System.Security.Claims;
using Inspection.CloudInference.Accounts;
using Inspection.CloudInference.Models;
using Inspection.Contracts.Api;
using Microsoft.Extensions.Options;

namespace Inspection.CloudInference.Fleet;

/// <summary>
/// The fleet part of the JSON API. A desired state records the signed-in account that asked for it as its issuer; a
/// name in the body (older clients send <c>issuedBy</c>) is ignored.
/// </summary>
public static class FleetApiExtensions
{
    public static IEndpointRouteBuilder MapFleet(this IEndpointRouteBuilder endpoints)
    {
        var api = endpoints.MapGroup("/api").RequireAuthorization(AccessPolicies.Operator);
        api.MapGet("/fleet", (FleetView fleet) => Results.Ok(fleet.Snapshot()));

        // 200: published to the broker; 202: stored, and published once the broker is reachable again.
        api.MapPut("/devices/{deviceId}/desired-mode", async (FleetCommands commands, ClaimsPrincipal user, string deviceId, SetModeRequest? request, CancellationToken cancellationToken) =>
        {
            if (request is null)
            {
                return Results.BadRequest(new ApiError("the body must be JSON like {\"mode\":\"local-only\"}"));
            }

            if (FleetCommands.Validate(deviceId, request.Mode) is { } error)
            {
                return Results.BadRequest(new ApiError(error));
            }

            var result = await commands.SetModeAsync(deviceId, request.Mode!, user.Actor(), cancellationToken).ConfigureAwait(false);
            return result.Published ? Results.Ok(result.State) : Results.Accepted(value: result.State);
        }).RequireAuthorization(AccessPolicies.Engineer);

        // The device converges to the release through its model-update transaction; progress arrives on ota/progress.
        api.MapPut("/devices/{deviceId}/desired-model", async (
            FleetCommands commands, IOptions<ModelRegistryOptions> registry, HttpRequest http, ClaimsPrincipal user, string deviceId, SetModelRequest? request, CancellationToken cancellationToken) =>
        {
            if (request is null)
            {
                return Results.BadRequest(new ApiError("the body must be JSON like {\"release\":5}"));
            }

            return await SetTargetAsync(registry, http, baseUrl => commands.SetModelAsync(deviceId, request, user.Actor(), baseUrl, cancellationToken)).ConfigureAwait(false);
        }).RequireAuthorization(AccessPolicies.Engineer);

        // The device installs the release beside the running one and keeps it only when healthy; the outcome arrives in
        // its reported state (agentUpdate) and as an event.
        api.MapPut("/devices/{deviceId}/desired-agent", async (
            FleetCommands commands, IOptions<ModelRegistryOptions> registry, HttpRequest http, ClaimsPrincipal user, string deviceId, SetAgentRequest? request, CancellationToken cancellationToken) =>
        {
            if (request is null)
            {
                return Results.BadRequest(new ApiError("the body must be JSON like {\"version\":\"1.5.0\"}"));
            }

            return await SetTargetAsync(registry, http, baseUrl => commands.SetAgentAsync(deviceId, request, user.Actor(), baseUrl, cancellationToken)).ConfigureAwait(false);
        }).RequireAuthorization(AccessPolicies.Engineer);
        return endpoints;
    }

    // A download target for a device (a model release or an agent release): the URL its download is named under, and
    // the command's refusals as HTTP answers.
    private static async Task<IResult> SetTargetAsync(IOptions<ModelRegistryOptions> registry, HttpRequest http, Func<Uri, Task<SetModeResult>> set)
    {
        var baseUrl = new Uri(registry.Value.PublicBaseUrl ?? $"{http.Scheme}://{http.Host}");
        try
        {
            var result = await set(baseUrl).ConfigureAwait(false);
            return result.Published ? Results.Ok(result.State) : Results.Accepted(value: result.State);
        }
        catch (ArgumentException ex)
        {
            return Results.BadRequest(new ApiError(ex.Message));
        }
        catch (KeyNotFoundException ex)
        {
            return Results.NotFound(new ApiError(ex.Message));
        }
    }
}
