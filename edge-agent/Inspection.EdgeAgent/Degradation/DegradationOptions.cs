using System.ComponentModel.DataAnnotations;

namespace Inspection.EdgeAgent.Degradation;

/// <summary>
/// When the device degrades on its own and when it recovers. Bound from the <c>Degradation</c> section. Every cause
/// enters after a run of bad observations and leaves after a run of good ones, so one bad or good sample never makes
/// the mode flap.
/// </summary>
public sealed class DegradationOptions : IValidatableObject
{
    public const string SectionName = "Degradation";

    /// <summary>
    /// <c>Degradation:CloudProbeIntervalMilliseconds</c>: how often the cloud's gRPC health service is asked while the
    /// forwarder has nothing to send or the cloud is unreachable. Default 500.
    /// </summary>
    [Range(100, 60_000, ErrorMessage = "Degradation:CloudProbeIntervalMilliseconds must be between 100 and 60000 milliseconds.")]
    public int CloudProbeIntervalMilliseconds { get; set; } = 500;

    /// <summary><c>Degradation:CloudProbeDeadlineMilliseconds</c>: deadline of one health probe. Default 1000.</summary>
    [Range(50, 60_000, ErrorMessage = "Degradation:CloudProbeDeadlineMilliseconds must be between 50 and 60000 milliseconds.")]
    public int CloudProbeDeadlineMilliseconds { get; set; } = 1000;

    /// <summary>
    /// <c>Degradation:CloudFailuresToEnter</c>: consecutive failed calls or probes after which the device goes
    /// local-only (cause <c>cloud-unreachable</c>). Default 2.
    /// </summary>
    [Range(1, 1000, ErrorMessage = "Degradation:CloudFailuresToEnter must be between 1 and 1000 consecutive failures.")]
    public int CloudFailuresToEnter { get; set; } = 2;

    /// <summary><c>Degradation:CloudSuccessesToLeave</c>: consecutive answered probes after which forwarding resumes. Default 2.</summary>
    [Range(1, 1000, ErrorMessage = "Degradation:CloudSuccessesToLeave must be between 1 and 1000 consecutive successes.")]
    public int CloudSuccessesToLeave { get; set; } = 2;

    /// <summary>
    /// <c>Degradation:ReducedEveryNth</c>: in <c>reduced</c> mode (commanded) every Nth frame is inspected, the others
    /// are counted as skipped. The automatic cause <c>inference-slow</c> picks its own N from the measured inference
    /// time; the larger of the two applies. Default 2.
    /// </summary>
    [Range(2, 1000, ErrorMessage = "Degradation:ReducedEveryNth must be between 2 and 1000 (inspect every Nth frame).")]
    public int ReducedEveryNth { get; set; } = 2;

    /// <summary>
    /// <c>Degradation:InferenceSlowEnabled</c>: whether inference slower than the frame budget makes the device go
    /// <c>reduced</c> (cause <c>inference-slow</c>) on its own. Turn it off on a line where every frame must be inspected
    /// even when that means lagging (e.g. one frame per part from a trigger). Default true.
    /// </summary>
    public bool InferenceSlowEnabled { get; set; } = true;

    /// <summary>
    /// <c>Degradation:SlowEnterShare</c>: the smoothed inference time, as a share of the frame interval, above which a
    /// frame counts as slow. Default 1.1 (10 % over the frame budget).
    /// </summary>
    [Range(0.1, 100.0, ErrorMessage = "Degradation:SlowEnterShare must be between 0.1 and 100 (share of the frame interval).")]
    public double SlowEnterShare { get; set; } = 1.1;

    /// <summary>
    /// <c>Degradation:SlowLeaveShare</c>: the smoothed inference time, as a share of the frame interval, below which a
    /// frame counts as fast again. Must be below <see cref="SlowEnterShare"/>. Default 0.8.
    /// </summary>
    [Range(0.05, 100.0, ErrorMessage = "Degradation:SlowLeaveShare must be between 0.05 and 100 (share of the frame interval).")]
    public double SlowLeaveShare { get; set; } = 0.8;

    /// <summary>
    /// <c>Degradation:SlowWindowFrames</c>: consecutive slow inspected frames to enter <c>reduced</c>, and consecutive
    /// fast ones to leave it. Default 30.
    /// </summary>
    [Range(1, 100_000, ErrorMessage = "Degradation:SlowWindowFrames must be between 1 and 100000 frames.")]
    public int SlowWindowFrames { get; set; } = 30;

    /// <summary>
    /// <c>Degradation:CameraFailuresToEnter</c>: consecutive failed reads (each one a reconnect attempt of a live source)
    /// after which the device reports <c>paused</c> (cause <c>camera-lost</c>). Default 3.
    /// </summary>
    [Range(1, 1000, ErrorMessage = "Degradation:CameraFailuresToEnter must be between 1 and 1000 consecutive failed reads.")]
    public int CameraFailuresToEnter { get; set; } = 3;

    /// <summary><c>Degradation:CameraFramesToLeave</c>: consecutive frames read after which the camera counts as back. Default 3.</summary>
    [Range(1, 1000, ErrorMessage = "Degradation:CameraFramesToLeave must be between 1 and 1000 consecutive frames.")]
    public int CameraFramesToLeave { get; set; } = 3;

    /// <summary>
    /// <c>Degradation:ModelFailuresToEnter</c>: consecutive frames the model fails on after which the device goes
    /// <c>safe</c> (cause <c>model-failing</c>). Default 3.
    /// </summary>
    [Range(1, 1000, ErrorMessage = "Degradation:ModelFailuresToEnter must be between 1 and 1000 consecutive failed frames.")]
    public int ModelFailuresToEnter { get; set; } = 3;

    /// <summary><c>Degradation:ModelGoodFramesToLeave</c>: consecutive frames the model decides after which it counts as healthy again. Default 10.</summary>
    [Range(1, 100_000, ErrorMessage = "Degradation:ModelGoodFramesToLeave must be between 1 and 100000 consecutive frames.")]
    public int ModelGoodFramesToLeave { get; set; } = 10;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (SlowLeaveShare >= SlowEnterShare)
        {
            yield return new ValidationResult(
                $"Degradation:SlowLeaveShare ({SlowLeaveShare}) must be below Degradation:SlowEnterShare ({SlowEnterShare}), or the mode flaps on every frame.",
                [nameof(SlowLeaveShare)]);
        }
    }
}
