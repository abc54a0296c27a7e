using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using Inspection.Contracts.Api;
using Inspection.Contracts.Rollouts;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Inspection.OperatorCli.Tests.Infrastructure;

/// <summary>
/// The cloud's rollout endpoints as a loopback Kestrel app that records every request it receives and answers with
/// views built from the contract types: <c>POST /api/rollouts</c> creates <see cref="Id"/> from the request,
/// <c>GET /api/rollouts</c> lists two rollouts, <c>GET /api/rollouts/{id}</c> answers the next of <see cref="States"/>,
/// <c>POST /api/rollouts/{id}/pause|resume|cancel</c> the state the action leads to. <see cref="Failure"/> makes
/// every answer a refusal instead.
/// </summary>
public sealed class RecordingRolloutApi : IAsyncDisposable
{
    public const string Id = "ro-20261126-1";

    public static readonly DateTimeOffset At = new(2026, 11, 26, 22, 0, 0, TimeSpan.Zero);

    private readonly WebApplication _app;
    private readonly ConcurrentQueue<RecordedRequest> _requests = new();
    private int _statusReads;

    private RecordingRolloutApi(WebApplication app)
    {
        _app = app;
    }

    public Uri Address { get; private set; } = null!;

    public string Api => Address.ToString().TrimEnd('/');

    public IReadOnlyList<RecordedRequest> Requests => [.. _requests];

    /// <summary>The states <c>GET /api/rollouts/{id}</c> answers with, one per request; the last repeats.</summary>
    public IReadOnlyList<string> States { get; set; } = [RolloutStates.Running];

    /// <summary>How long every answer waits after its request arrived (a cloud running a review check).</summary>
    public TimeSpan AnswerDelay { get; set; }

    /// <summary>When set, every request is answered with this status and <c>{"error": …}</c>.</summary>
    public (int Status, string Error)? Failure { get; set; }

    public static async Task<RecordingRolloutApi> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var api = new RecordingRolloutApi(app);
        app.Run(api.HandleAsync);
        await app.StartAsync(TestContext.Current.CancellationToken);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        api.Address = new Uri(address);
        return api;
    }

    /// <summary>A view of rollout <paramref name="id"/> in <paramref name="state"/>: a canary that succeeded, a wave under way with a failed device.</summary>
    public static RolloutView View(string id, string state, RolloutTarget? target = null, RolloutStrategy? strategy = null) => new(
        id,
        7,
        "inspection-edge",
        "2.7.0",
        target ?? new RolloutTarget(Line: "line-1"),
        strategy ?? new RolloutStrategy(new CanarySpec(Count: 1), [100], SuccessThreshold: 1),
        state,
        state == RolloutStates.Halted ? "1 device failed, more than --max-failures 0" : null,
        "alice",
        At,
        At.AddMinutes(12),
        1,
        [
            new WaveView(0, "canary", 1, "succeeded", new RolloutCounts(0, 0, 0, 0, 1, 0, 0), At, At.AddMinutes(6)),
            new WaveView(1, "wave 1", 2, "running", new RolloutCounts(0, 0, 1, 0, 0, 1, 0), At.AddMinutes(6), null),
        ],
        [
            new RolloutDeviceView("cam-1", 0, RolloutDeviceStates.Succeeded, null, At.AddMinutes(6), 3, "committed"),
            new RolloutDeviceView("cam-2", 1, RolloutDeviceStates.Updating, null, At.AddMinutes(8), 3, "shadowing"),
            new RolloutDeviceView("cam-3", 1, RolloutDeviceStates.Failed, "rolled back: uncertain rate [2.5x] above the limit", At.AddMinutes(11), 3, "rolled-back"),
        ],
        new RolloutCounts(0, 0, 1, 0, 1, 1, 0),
        strategy?.ReviewCheck is null ? null : ReviewCheckPassed);

    /// <summary>What a created view carries when its strategy asked for a review check.</summary>
    public static readonly ReviewCheckResult ReviewCheckPassed = new(
        true,
        "passed: on 24 reviewed parts (6 defective, 18 clean) the release passes 0 defective, rejects 0 clean",
        24, 6, 18, new ReviewCheckCounts(22, 0, 0, 2), new ReviewCheckCounts(0, 0, 0, 24), 61, 0, At);

    public static RolloutSummary Summary(string id, string state, long release) =>
        new(id, release, state, null, 1, 2, new RolloutCounts(0, 0, 1, 0, 1, 1, 0), "alice", At, At.AddMinutes(12));

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync(CancellationToken.None);
        await _app.DisposeAsync();
    }

    private async Task HandleAsync(HttpContext context)
    {
        using var reader = new StreamReader(context.Request.Body);
        var request = new RecordedRequest(context.Request.Method, context.Request.Path + context.Request.QueryString, await reader.ReadToEndAsync());
        _requests.Enqueue(request);
        if (AnswerDelay > TimeSpan.Zero)
        {
            await Task.Delay(AnswerDelay, context.RequestAborted);
        }

        var (status, body) = Failure is { } failure ? (failure.Status, new ApiError(failure.Error)) : Answer(request);
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(JsonSerializer.Serialize(body, body.GetType(), JsonSerializerOptions.Web));
    }

    private (int Status, object Body) Answer(RecordedRequest request)
    {
        var segments = request.Path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        return (request.Method, segments) switch
        {
            ("POST", ["api", "rollouts"]) when request.BodyAs<RolloutRequest>() is { } created =>
                (StatusCodes.Status201Created, View(Id, RolloutStates.Running, created.Target, created.Strategy)),
            ("GET", ["api", "rollouts"]) =>
                (StatusCodes.Status200OK, new[] { Summary("ro-20261126-2", RolloutStates.Halted, 8), Summary(Id, RolloutStates.Completed, 7) }),
            ("GET", ["api", "rollouts", var id]) =>
                (StatusCodes.Status200OK, View(id, States[Math.Min(Interlocked.Increment(ref _statusReads), States.Count) - 1])),
            ("POST", ["api", "rollouts", var id, var action]) => action switch
            {
                "pause" => (StatusCodes.Status200OK, View(id, RolloutStates.Paused)),
                "resume" => (StatusCodes.Status200OK, View(id, RolloutStates.Running)),
                "cancel" => (StatusCodes.Status200OK, View(id, RolloutStates.Cancelled)),
                _ => (StatusCodes.Status404NotFound, new ApiError($"no action '{action}'")),
            },
            _ => (StatusCodes.Status404NotFound, new ApiError($"no endpoint {request.Method} {request.Path}")),
        };
    }
}
