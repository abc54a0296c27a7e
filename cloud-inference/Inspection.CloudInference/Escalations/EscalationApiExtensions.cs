using Inspection.CloudInference.Accounts;
using Inspection.Contracts.Api;
using Inspection.Contracts.Mqtt;

namespace Inspection.CloudInference.Escalations;

/// <summary>The escalation part of the JSON API and the gRPC service.</summary>
public static class EscalationApiExtensions
{
    public const int MaxListLimit = 500;

    public static IEndpointRouteBuilder MapEscalations(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGrpcService<EscalationService>();
        endpoints.MapGrpcHealthChecksService();

        var api = endpoints.MapGroup("/api").RequireAuthorization(AccessPolicies.Operator);
        api.MapGet("/escalations", (IEscalationStore store, int? limit) =>
        {
            var take = limit ?? 50;
            if (take is < 1 or > MaxListLimit)
            {
                return Results.BadRequest(new ApiError($"limit must be between 1 and {MaxListLimit}, got {take}"));
            }

            return Results.Ok(store.Latest(take).Select(EscalationListItem.From).ToList());
        });

        api.MapGet("/escalations/{deviceId}/{sequence}/image", (IEscalationStore store, string deviceId, string sequence) =>
        {
            if (!MqttTopics.IsValidDeviceId(deviceId))
            {
                return Results.BadRequest(new ApiError($"device id '{deviceId}' is not valid"));
            }

            if (!ulong.TryParse(sequence, out var number))
            {
                return Results.BadRequest(new ApiError($"sequence '{sequence}' is not a number"));
            }

            return store.FindJpeg(deviceId, number) is { } jpeg
                ? Results.File(jpeg, "image/jpeg")
                : Results.NotFound(new ApiError($"no escalation {deviceId}/{number} is stored"));
        });

        api.MapGet("/escalations/{deviceId}/{partId}/frames/{frameSequence}/image", (IEscalationStore store, string deviceId, string partId, string frameSequence) =>
        {
            if (!MqttTopics.IsValidDeviceId(deviceId))
            {
                return Results.BadRequest(new ApiError($"device id '{deviceId}' is not valid"));
            }

            if (!long.TryParse(partId, out var part) || !long.TryParse(frameSequence, out var frame))
            {
                return Results.BadRequest(new ApiError($"part id '{partId}' and frame sequence '{frameSequence}' must be numbers"));
            }

            return store.FindPartFrameJpeg(deviceId, part, frame) is { } jpeg
                ? Results.File(jpeg, "image/jpeg")
                : Results.NotFound(new ApiError($"no frame {frame} of part {deviceId}/{part} is stored"));
        });

        api.MapGet("/summary", (IEscalationStore store) => Results.Ok(store.Summary()));
        api.MapGet("/summary/parts", (IEscalationStore store) => Results.Ok(store.PartSummary()));
        return endpoints;
    }
}
