using System.Globalization;
using Inspection.CloudInference.Accounts;
using Inspection.CloudInference.Escalations;
using Inspection.Contracts.Api;
using Inspection.Contracts.Mqtt;
using Microsoft.Extensions.Options;

namespace Inspection.CloudInference.Review;

/// <summary>The review workspace's JSON API under <c>/api/review</c>.</summary>
public static class ReviewApiExtensions
{
    public const int MaxQueueLimit = 500;

    public static IEndpointRouteBuilder MapReview(this IEndpointRouteBuilder endpoints)
    {
        var review = endpoints.MapGroup("/api/review");
        MapOperatorEndpoints(review.MapGroup(string.Empty).RequireAuthorization(AccessPolicies.Operator));

        // Undoing a reviewer's decision and taking the reviewed data away are an engineer's calls.
        MapEngineerEndpoints(review.MapGroup(string.Empty).RequireAuthorization(AccessPolicies.Engineer));
        return endpoints;
    }

    private static void MapOperatorEndpoints(RouteGroupBuilder api)
    {
        api.MapGet("/config", (ReviewStore store, IOptions<ReviewOptions> options, HttpContext http) =>
            Results.Ok(new { reasonTags = store.ReasonTags, classNames = store.ClassNames, leaseSeconds = options.Value.LeaseSeconds, user = http.User.Identity?.Name }));

        api.MapGet("/queue", (ReviewStore store, HttpContext http) =>
        {
            if (Filter(http.Request.Query, out var filter) is { } error)
            {
                return Results.BadRequest(new ApiError(error));
            }

            var limit = 50;
            if (http.Request.Query["limit"] is { Count: > 0 } text
                && (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out limit) || limit is < 1 or > MaxQueueLimit))
            {
                return Results.BadRequest(new ApiError($"limit must be between 1 and {MaxQueueLimit}, got '{text}'"));
            }

            return Results.Ok(store.Queue(filter, limit));
        });

        api.MapPost("/next", (ReviewStore store, HttpContext http) =>
        {
            if (Actor(http) is not { } actor)
            {
                return SignIn();
            }

            if (Filter(http.Request.Query, out var filter) is { } error)
            {
                return Results.BadRequest(new ApiError(error));
            }

            return store.Next(filter, actor) is { } item ? Results.Ok(item) : Results.NoContent();
        });

        api.MapGet("/backlog", (ReviewStore store) => Results.Ok(store.Backlog()));

        api.MapGet("/dashboard", (ReviewDashboard dashboard, HttpContext http) =>
        {
            var query = http.Request.Query;
            var fromError = Time(query, "from", out var from);
            var toError = Time(query, "to", out var to);
            if ((fromError ?? toError) is { } error)
            {
                return Results.BadRequest(new ApiError(error));
            }

            var built = dashboard.Build(from, to, query["line"] is { Count: > 0 } line && line.ToString().Length > 0 ? line.ToString() : null);
            return built.Kind == ReviewOutcomeKind.Done ? Results.Ok(built.Value) : Results.BadRequest(new ApiError(built.Error));
        });

        var item = api.MapGroup("/items/{deviceId}/{sequence}");
        item.MapGet(string.Empty, (ReviewStore store, string deviceId, string sequence) =>
            Key(deviceId, sequence, out var key) is { } error ? Results.BadRequest(new ApiError(error)) : Answer(store.Item(key)));

        item.MapGet("/audit", (ReviewStore store, string deviceId, string sequence) =>
        {
            if (Key(deviceId, sequence, out var key) is { } error)
            {
                return Results.BadRequest(new ApiError(error));
            }

            return store.Item(key).Kind == ReviewOutcomeKind.NotFound
                ? Results.NotFound(new ApiError($"no review item {key}"))
                : Results.Ok(store.Audit(key));
        });

        item.MapPost("/lease", (ReviewStore store, HttpContext http, string deviceId, string sequence) =>
            Act(http, deviceId, sequence, (key, actor) => Answer(store.TakeLease(key, actor))));

        // ?until=<the lease's expiresAt>: release only the lease the caller holds (see ReviewStore.ReleaseLease).
        item.MapDelete("/lease", (ReviewStore store, HttpContext http, string deviceId, string sequence, DateTimeOffset? until) =>
            Act(http, deviceId, sequence, (key, actor) => store.ReleaseLease(key, actor, until) is var outcome && outcome.Kind == ReviewOutcomeKind.Done
                ? Results.Ok(new { released = outcome.Value })
                : Refused(outcome.Kind, outcome.Error)));

        item.MapPost("/{action:regex(^(accept|fix|reject)$)}", async (
            ReviewStore store, ReviewNotifier notifier, IHostApplicationLifetime lifetime, HttpContext http, string deviceId, string sequence, string action) =>
        {
            if (Actor(http) is not { } actor)
            {
                return SignIn();
            }

            if (Key(deviceId, sequence, out var key) is { } keyError)
            {
                return Results.BadRequest(new ApiError(keyError));
            }

            ReviewActionRequest? request = null;
            if (http.Request.ContentLength is > 0 || http.Request.Headers.TransferEncoding.Count > 0)
            {
                try
                {
                    request = await http.Request.ReadFromJsonAsync<ReviewActionRequest>(http.RequestAborted);
                }
                catch (System.Text.Json.JsonException ex)
                {
                    return Results.BadRequest(new ApiError($"the body is not a review action ({{tags: [...], frames: [...]}}): {ex.Message}"));
                }
            }

            var outcome = store.Act(key, actor, action, request);
            if (outcome.Kind != ReviewOutcomeKind.Done)
            {
                return Refused(outcome.Kind, outcome.Error);
            }

            // Stored first; the line hears of it after, and a client hanging up does not stop that.
            await notifier.NotifyAsync(outcome.Value!, lifetime.ApplicationStopping);
            return Results.Ok(outcome.Value);
        });
    }

    private static void MapEngineerEndpoints(RouteGroupBuilder api)
    {
        api.MapPost("/items/{deviceId}/{sequence}/reopen", (ReviewStore store, HttpContext http, string deviceId, string sequence) =>
            Act(http, deviceId, sequence, (key, actor) => Answer(store.Reopen(key, actor))));

        api.MapGet("/export", async (ReviewDatasetExporter exporter, HttpContext http) =>
        {
            if (Filter(http.Request.Query, out var filter) is { } error)
            {
                return Results.BadRequest(new ApiError(error));
            }

            var zip = await exporter.WriteZipAsync(filter, http.RequestAborted);
            return Results.File(zip, "application/zip", "review-dataset.zip");
        });
    }

    private static IResult Act(HttpContext http, string deviceId, string sequence, Func<string, string, IResult> act)
    {
        if (Actor(http) is not { } actor)
        {
            return SignIn();
        }

        return Key(deviceId, sequence, out var key) is { } error ? Results.BadRequest(new ApiError(error)) : act(key, actor);
    }

    private static string? Actor(HttpContext http) => http.User.Identity?.Name is { Length: > 0 } name ? name : null;

    private static IResult SignIn() =>
        Results.Json(new ApiError("sign in first: who reviews comes from the signed-in account"), statusCode: StatusCodes.Status401Unauthorized);

    private static IResult Answer(ReviewOutcome<ReviewItem> outcome) =>
        outcome.Kind == ReviewOutcomeKind.Done ? Results.Ok(outcome.Value) : Refused(outcome.Kind, outcome.Error);

    private static IResult Refused(ReviewOutcomeKind kind, string error) => kind switch
    {
        ReviewOutcomeKind.NotFound => Results.NotFound(new ApiError(error)),
        ReviewOutcomeKind.Conflict => Results.Conflict(new ApiError(error)),
        _ => Results.BadRequest(new ApiError(error)),
    };

    private static string? Key(string deviceId, string sequence, out string key)
    {
        key = string.Empty;
        if (!MqttTopics.IsValidDeviceId(deviceId))
        {
            return $"device id '{deviceId}' is not valid";
        }

        if (!ulong.TryParse(sequence, NumberStyles.None, CultureInfo.InvariantCulture, out var number))
        {
            return $"sequence '{sequence}' is not a number";
        }

        key = StoredEscalation.KeyOf(deviceId, number);
        return null;
    }

    /// <summary>The filters of a queue, <c>next</c> or export request: <c>line</c>, <c>device</c>, <c>class</c>, <c>model</c>, <c>release</c>, <c>since</c>, <c>until</c>.</summary>
    internal static string? Filter(IQueryCollection query, out ReviewFilter filter)
    {
        filter = new ReviewFilter();
        string? Text(string name) => query[name] is { Count: > 0 } value && value.ToString().Length > 0 ? value.ToString() : null;
        long? release = null;
        if (Text("release") is { } releaseText)
        {
            if (!long.TryParse(releaseText, NumberStyles.None, CultureInfo.InvariantCulture, out var number))
            {
                return $"release must be a release number, got '{releaseText}'";
            }

            release = number;
        }

        if (Time(query, "since", out var since) is { } sinceError)
        {
            return sinceError;
        }

        if (Time(query, "until", out var until) is { } untilError)
        {
            return untilError;
        }

        if (since is not null && until is not null && until <= since)
        {
            return $"until ({until:O}) must be after since ({since:O})";
        }

        filter = new ReviewFilter(Text("line"), Text("device"), Text("class"), Text("model"), release, since, until);
        return null;
    }

    private static string? Time(IQueryCollection query, string name, out DateTimeOffset? time)
    {
        time = null;
        if (query[name] is not { Count: > 0 } value || value.ToString().Length == 0)
        {
            return null;
        }

        if (!DateTimeOffset.TryParse(value.ToString(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed))
        {
            return $"{name} must be a time such as 2026-12-07T08:00:00Z, got '{value}'";
        }

        time = parsed;
        return null;
    }
}
