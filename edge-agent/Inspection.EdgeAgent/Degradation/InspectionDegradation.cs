using System.Globalization;
using Inspection.Contracts.Mqtt;
using Inspection.EdgeAgent.Capture;
using Inspection.EdgeAgent.Control;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Inspection.EdgeAgent.Degradation;

/// <summary>
/// The inspection loop's side of degradation: which frames to inspect under the modes in force (every one, every Nth,
/// none), whether the safe policy turns uncertain into defect, and the automatic causes the loop itself can see:
/// inference slower than the frame budget (<c>inference-slow</c> → reduced), a camera that delivers nothing
/// (<c>camera-lost</c> → paused) and a model that fails on frame after frame (<c>model-failing</c> → safe). Each
/// cause enters and leaves with hysteresis (<see cref="CauseTracker"/>). One loop uses it; the state it reads
/// (<see cref="DeviceState"/>) is thread-safe.
/// </summary>
public sealed class InspectionDegradation
{
    private const double Smoothing = 0.2;
    private readonly DeviceState _state;
    private readonly FramePacer _pacer;
    private readonly DegradationOptions _options;
    private readonly CauseTracker _slow;
    private readonly CauseTracker _camera;
    private readonly CauseTracker _model;
    private double _smoothedMs;
    private long _frameIndex;
    private int _automaticEveryNth = 1;

    public InspectionDegradation(
        DeviceState state,
        DeviceEvents events,
        FramePacer pacer,
        IOptions<DegradationOptions> options,
        TimeProvider timeProvider,
        ILogger<InspectionDegradation> logger)
    {
        _state = state;
        _pacer = pacer;
        _options = options.Value;
        _slow = new CauseTracker(DegradationCause.InferenceSlow, DegradationMode.Reduced, _options.SlowWindowFrames, _options.SlowWindowFrames, state, events, timeProvider, logger);
        _camera = new CauseTracker(DegradationCause.CameraLost, DegradationMode.Paused, _options.CameraFailuresToEnter, _options.CameraFramesToLeave, state, events, timeProvider, logger);
        _model = new CauseTracker(DegradationCause.ModelFailing, DegradationMode.Safe, _options.ModelFailuresToEnter, _options.ModelGoodFramesToLeave, state, events, timeProvider, logger);
    }

    /// <summary>The smoothed inference time of the inspected frames, in milliseconds (0 before the first).</summary>
    public double SmoothedInferenceMs => _smoothedMs;

    /// <summary>
    /// Every how many frames one is inspected now: 1 normally; under reduced the configured
    /// <see cref="DegradationOptions.ReducedEveryNth"/> (commanded) or the N the measured inference time needs
    /// (<c>inference-slow</c>), the larger when both apply.
    /// </summary>
    public int EveryNth
    {
        get
        {
            var n = 1;
            if (_state.CommandedMode == DegradationMode.Reduced)
            {
                n = _options.ReducedEveryNth;
            }

            if (_slow.Active)
            {
                n = Math.Max(n, _automaticEveryNth);
            }

            return n;
        }
    }

    /// <summary>Whether the safe policy is in force (commanded or by a cause): uncertain frames count as defect.</summary>
    public bool SafeInForce => _state.IsInForce(DegradationMode.Safe);

    /// <summary>What to do with the frame just read. Call once per frame read.</summary>
    public FrameAction NextFrame()
    {
        // The camera's own cause does not discard the frames that prove it is back.
        if (_state.CommandedMode == DegradationMode.Paused || _state.IsAutomaticInForce(DegradationMode.Paused, except: DegradationCause.CameraLost))
        {
            _frameIndex = 0;
            return FrameAction.Discard;
        }

        var n = EveryNth;
        var index = _frameIndex++;
        return n <= 1 || index % n == 0 ? FrameAction.Inspect : FrameAction.Skip;
    }

    /// <summary>The source delivered a frame.</summary>
    public void FrameRead() => _camera.Good("frames flow again");

    /// <summary>The source failed to deliver (a live source reports each reconnect attempt).</summary>
    public void CaptureFailed(string error) => _camera.Bad($"no frames: {error}");

    /// <summary>The model failed on a frame.</summary>
    public void DetectorFailed(string error) => _model.Bad($"the model failed on consecutive frames: {error}");

    /// <summary>The model decided a frame in <paramref name="latency"/>: counts towards model health and the frame budget.</summary>
    public void Inspected(TimeSpan latency)
    {
        _model.Good("the model decides frames again");
        var ms = latency.TotalMilliseconds;
        _smoothedMs = _smoothedMs == 0 ? ms : (_smoothedMs * (1 - Smoothing)) + (ms * Smoothing);
        if (!_options.InferenceSlowEnabled || _pacer.Period is not { } period || period <= TimeSpan.Zero)
        {
            return;
        }

        var budgetMs = period.TotalMilliseconds;
        var share = _smoothedMs / budgetMs;

        // Inspect one frame in N, with N so the smoothed time fits N frames with the leave threshold's headroom.
        var needed = (int)Math.Min(1000, Math.Ceiling(_smoothedMs / (budgetMs * _options.SlowLeaveShare)));
        // Built only when it is said: on the frame path an inspection within budget allocates nothing here.
        string Reason() => string.Create(CultureInfo.InvariantCulture, $"inference {_smoothedMs:0.0} ms (smoothed) against a frame interval of {budgetMs:0.0} ms");
        if (share > _options.SlowEnterShare)
        {
            // Only ever grows while the cause is active, so the cadence does not wander with every sample; the reason
            // is rewritten only when N changes, so the reported state is not republished on every frame.
            var before = _automaticEveryNth;
            _automaticEveryNth = _slow.Active ? Math.Max(_automaticEveryNth, needed) : Math.Max(2, needed);
            var reason = Reason();
            if (_slow.Bad(reason) || (_slow.Active && _automaticEveryNth != before))
            {
                _slow.Describe(string.Create(CultureInfo.InvariantCulture, $"{reason}; inspecting every {_automaticEveryNth}th frame"));
            }
        }
        else if (share < _options.SlowLeaveShare)
        {
            _slow.Good(_slow.Active ? Reason() : string.Empty);
        }
    }
}
