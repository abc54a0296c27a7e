using Inspection.Detection;
using Inspection.EdgeAgent.Diagnostics;
using Inspection.FleetSimulator.Devices;
using Microsoft.Extensions.Hosting;

namespace Inspection.FleetSimulator.Inference;

/// <summary>
/// A simulated device's line, with neither camera nor model: frames at <c>--fps</c>, each decided at random (seeded
/// per device) uncertain at the deciding model's escalation rate (<see cref="SimulatedModelSwitch.EscalationRate"/>),
/// defect on 5 % of frames, else pass. They are counted in the agent's own <see cref="EdgeStats"/>, so the reported
/// state carries them and the cloud sees each device's escalation rate.
/// </summary>
public sealed class SyntheticLine : BackgroundService
{
    /// <summary>Share of frames decided defect.</summary>
    public const double DefectRate = 0.05;

    // Frames are counted in batches: a timer per frame would cost a thousand devices more than the rest of them.
    private static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(250);
    private readonly DeviceProfile _profile;
    private readonly SimulatedModelSwitch _models;
    private readonly EdgeStats _stats;
    private readonly TimeProvider _time;

    public SyntheticLine(DeviceProfile profile, SimulatedModelSwitch models, EdgeStats stats, TimeProvider time)
    {
        _profile = profile;
        _models = models;
        _stats = stats;
        _time = time;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var random = new Random(_profile.Seed);
        var started = _time.GetTimestamp();
        var counted = 0L;
        var sequence = _stats.LastSequence;
        using var timer = new PeriodicTimer(Tick, _time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                var due = (long)(_time.GetElapsedTime(started).TotalSeconds * _profile.Fleet.Fps);
                var escalation = _models.EscalationRate;
                for (; counted < due; counted++)
                {
                    var draw = random.NextDouble();
                    var decision = draw < escalation ? Decision.Uncertain : draw < escalation + DefectRate ? Decision.Defect : Decision.Pass;
                    _stats.FrameInspected(decision, ++sequence);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // The device stops.
        }
    }
}
