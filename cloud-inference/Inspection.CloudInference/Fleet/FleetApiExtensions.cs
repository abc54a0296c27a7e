using Inspection.CloudInference.Accounts;
using Inspection.CloudInference.Models;
using Inspection.Contracts.Api;
using Microsoft.Extensions.Options;

namespace Inspection.CloudInference.Fleet;

/// <summary>The fleet part of the JSON API.</summary>
public static class FleetApiExtensions
{
    public static IEndpointRouteBuilder MapFleet(this IEndpointRouteBuilder endpoints)
    {
        var api = endpoints.MapGroup("/api").RequireAuthorization(AccessPolicies.Operator);
        api.MapGet("/fleet", (FleetView fleet) => Results.Ok(fleet.Snapshot()));

        // 200: published to the broker; 202: stored, and published once the broker is reachable again.
        api.MapPut("/devices/{deviceId}/desired-mode", async (FleetCommands commands, string deviceId, SetModeRequest? request, CancellationToken cancellationToken) =>
        {
            if (request is null)
            {
                return Results.BadRequest(new ApiError("the body must be JSON like {\"mode\":\"local-only\",\"issuedBy\":\"name\"}"));
            }

            if (FleetCommands.Validate(deviceId, request.Mode) is { } error)
            {
                return Results.BadRequest(new ApiError(error));
            }

            var result = await commands.SetModeAsync(deviceId, request.Mode!, request.IssuedBy ?? "api", cancellationToken).ConfigureAwait(false);
            return result.Published ? Results.Ok(result.State) : Results.Accepted(value: result.State);
        }).RequireAuthorization(AccessPolicies.Engineer);

        // The device converges to the release through its model-update transaction; progress arrives on ota/progress.
        api.MapPut("/devices/{deviceId}/desired-model", async (
            FleetCommands commands, IOptions<ModelRegistryOptions> registry, HttpRequest http, string deviceId, SetModelRequest? request, CancellationToken cancellationToken) =>
        {
            if (request is null)
            {
                return Results.BadRequest(new ApiError("the body must be JSON like {\"release\":5,\"issuedBy\":\"name\"}"));
            }

            var baseUrl = new Uri(registry.Value.PublicBaseUrl ?? $"{http.Scheme}://{http.Host}");
            try
            {
                var result = await commands.SetModelAsync(deviceId, request, baseUrl, cancellationToken).ConfigureAwait(false);
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
        }).RequireAuthorization(AccessPolicies.Engineer);
        return endpoints;
    }
}
