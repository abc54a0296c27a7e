using Inspection.CloudInference.Web;

namespace Inspection.CloudInference.Fleet;

/// <summary>The fleet part of the JSON API.</summary>
public static class FleetApiExtensions
{
    public static IEndpointRouteBuilder MapFleet(this IEndpointRouteBuilder endpoints)
    {
        var api = endpoints.MapGroup("/api");
        api.MapGet("/fleet", (FleetRegistry registry) => Results.Ok(registry.Snapshot()));

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
        });
        return endpoints;
    }
}
