using Inspection.Contracts.Mqtt;
using Inspection.Detection.Packaging;
using Inspection.EdgeAgent.Inspection;
using Inspection.EdgeAgent.Ota;
using Inspection.FleetSimulator.Devices;

namespace Inspection.FleetSimulator.Inference;

/// <summary>
/// A simulated model change: each step waits its configured time; the golden set fails on a device with that fault;
/// the shadow agrees on every frame and the health window passes. Progress (shadow and window frames) grows with the
/// time spent in the step.
/// </summary>
internal sealed class SimulatedModelChange : IModelChange
{
    private static readonly FrameStats NoFrames = new(0, 0, 0, 0);
    private readonly SimulatedModelSwitch _switch;
    private readonly RunningModel _candidate;
    private readonly DeviceProfile _profile;
    private readonly TimeProvider _time;
    private readonly Lock _gate = new();
    private RunningModel? _previous;
    private long _shadowStarted;
    private int _shadowFrames;
    private long _watchStarted;
    private int _watchFrames;
    private bool _ended;

    public SimulatedModelChange(SimulatedModelSwitch modelSwitch, RunningModel candidate, DeviceProfile profile, TimeProvider time)
    {
        _switch = modelSwitch;
        _candidate = candidate;
        _profile = profile;
        _time = time;
    }

    public string ExecutionProvider => SimulatedModelSwitch.Provider;

    public ShadowResult ShadowSoFar
    {
        get
        {
            var frames = SoFar(Volatile.Read(ref _shadowStarted), _profile.Fleet.ShadowMs, Volatile.Read(ref _shadowFrames));
            return new ShadowResult(frames, frames, 0);
        }
    }

    public int WatchedFrames => SoFar(Volatile.Read(ref _watchStarted), _profile.Fleet.HealthMs, Volatile.Read(ref _watchFrames));

    public SwapTiming? SwapTiming => null;

    public async Task<string?> CheckGoldenSetAsync(GoldenSet golden, string folder, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(golden);
        await _switch.StepAsync(OtaStates.Validating, _profile.Fleet.GoldenMs, cancellationToken).ConfigureAwait(false);
        if (_profile.Fault != DeviceFault.FailGolden)
        {
            return null;
        }

        var frame = golden.Frames.Count > 0 ? golden.Frames[0].Image.Path : "(none)";
        return $"golden frame {frame}: the simulated model detects otherwise than the publisher's run (fault fail-golden)";
    }

    public async Task<ShadowResult> ShadowAsync(int frames, HealthBounds health, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(health);
        Volatile.Write(ref _shadowFrames, frames);
        Volatile.Write(ref _watchFrames, health.Frames);
        Volatile.Write(ref _shadowStarted, _time.GetTimestamp());
        await _switch.StepAsync(OtaStates.Shadowing, _profile.Fleet.ShadowMs, cancellationToken).ConfigureAwait(false);
        return new ShadowResult(frames, frames, 0);
    }

    public Task SwapAsync(CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            _previous = _switch.Running;
            _switch.Decide(_candidate);
        }

        return Task.CompletedTask;
    }

    public async Task<HealthResult> WatchAsync(CancellationToken cancellationToken)
    {
        Volatile.Write(ref _watchStarted, _time.GetTimestamp());
        await _switch.StepAsync(OtaStates.Swapped, _profile.Fleet.HealthMs, cancellationToken).ConfigureAwait(false);
        return new HealthResult(true, NoFrames, NoFrames, null);
    }

    public void Commit()
    {
        lock (_gate)
        {
            _ended = true;
        }
    }

    public void Rollback()
    {
        lock (_gate)
        {
            if (_ended)
            {
                return;
            }

            _ended = true;
            if (_previous is not null)
            {
                _switch.Decide(_previous);
            }
        }
    }

    public void Dispose()
    {
        // Nothing was loaded.
    }

    private int SoFar(long started, int milliseconds, int frames)
    {
        if (started == 0)
        {
            return 0;
        }

        var elapsed = _time.GetElapsedTime(started).TotalMilliseconds;
        return milliseconds <= 0 ? frames : (int)Math.Min(frames, frames * elapsed / milliseconds);
    }
}
