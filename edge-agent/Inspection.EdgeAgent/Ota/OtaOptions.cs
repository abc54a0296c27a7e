using System.ComponentModel.DataAnnotations;

namespace Inspection.EdgeAgent.Ota;

/// <summary>
/// Model updates over the air: whose packages the device accepts, where it stages and keeps them, and how a new
/// model must behave before it is committed. Bound from the <c>Ota</c> section; a model target in the desired state
/// may override the shadow and health-window sizes for one update.
/// </summary>
public sealed class OtaOptions
{
    public const string SectionName = "Ota";

    /// <summary>
    /// Folder of the publisher public keys (<c>*.pem</c>) the device accepts packages from; several while a key is
    /// rotated. Key <c>Ota:TrustedKeysPath</c>, default <c>trusted-keys</c> (on a Jetson <c>/etc/inspection/trusted-keys</c>).
    /// Missing or empty: every update is refused with that reason.
    /// </summary>
    [Required(ErrorMessage = "Ota:TrustedKeysPath is required: the folder of trusted publisher keys, e.g. /etc/inspection/trusted-keys.")]
    public string TrustedKeysPath { get; set; } = "trusted-keys";

    /// <summary>
    /// Where packages are downloaded (one folder per model SHA-256, resumed after a cut or a restart) and where
    /// committed models are kept with the pointer file <c>current.json</c>. Key <c>Ota:ModelsPath</c>, default <c>data/models</c>.
    /// </summary>
    [Required(ErrorMessage = "Ota:ModelsPath is required: the folder downloaded and committed models are kept in, e.g. data/models.")]
    public string ModelsPath { get; set; } = "data/models";

    /// <summary>Live frames both models see before the swap. Key <c>Ota:ShadowFrames</c>, default 50.</summary>
    [Range(0, 100000, ErrorMessage = "Ota:ShadowFrames must be between 0 and 100000.")]
    public int ShadowFrames { get; set; } = 50;

    /// <summary>Share of shadow frames on which both models must decide the same. Key <c>Ota:MinAgreement</c>, default 0.9.</summary>
    [Range(0.0, 1.0, ErrorMessage = "Ota:MinAgreement must be between 0 and 1.")]
    public double MinAgreement { get; set; } = 0.9;

    /// <summary>Frames both models see after the swap before the update commits. Key <c>Ota:HealthFrames</c>, default 150.</summary>
    [Range(0, 1000000, ErrorMessage = "Ota:HealthFrames must be between 0 and 1000000.")]
    public int HealthFrames { get; set; } = 150;

    /// <summary>
    /// During a change a second model runs beside the deciding one (the candidate before the swap, the previous model
    /// after it), on the frames that leave time for it: those where it is expected to end before the next frame is
    /// due, or at most this share of a frame interval after it (the next frames make the time up, so the frame rate
    /// holds). The shadow and the health window count only frames both models saw. Key
    /// <c>Ota:SecondModelLateness</c>, default 0.25.
    /// </summary>
    [Range(0.0, 1.0, ErrorMessage = "Ota:SecondModelLateness must be between 0 and 1 (a share of one frame interval).")]
    public double SecondModelLateness { get; set; } = 0.25;

    /// <summary>
    /// …and at least on this share of frames even when the line leaves no time (so a change ends on a line that runs
    /// at the limit of its model; those frames run late). 1 runs both models on every frame. Key
    /// <c>Ota:MinSecondModelShare</c>, default 0.2.
    /// </summary>
    [Range(0.0, 1.0, ErrorMessage = "Ota:MinSecondModelShare must be between 0 and 1.")]
    public double MinSecondModelShare { get; set; } = 0.2;

    /// <summary>Inference errors tolerated in the health window. Key <c>Ota:MaxHealthErrors</c>, default 0.</summary>
    [Range(0, 1000, ErrorMessage = "Ota:MaxHealthErrors must be between 0 and 1000.")]
    public int MaxHealthErrors { get; set; }

    /// <summary>Mean inference time at most this many times the previous model's. Key <c>Ota:MaxLatencyRatio</c>, default 2.</summary>
    [Range(1.0, 100.0, ErrorMessage = "Ota:MaxLatencyRatio must be between 1 and 100.")]
    public double MaxLatencyRatio { get; set; } = 2;

    /// <summary>
    /// …unless it is at most this many milliseconds slower per frame: a difference below it is noise, not a slower
    /// model. Key <c>Ota:LatencyToleranceMs</c>, default 5.
    /// </summary>
    [Range(0.0, 10000.0, ErrorMessage = "Ota:LatencyToleranceMs must be between 0 and 10000.")]
    public double LatencyToleranceMs { get; set; } = 5;

    /// <summary>Uncertain rate at most this many times the previous model's. Key <c>Ota:MaxUncertainRatio</c>, default 2.</summary>
    [Range(1.0, 100.0, ErrorMessage = "Ota:MaxUncertainRatio must be between 1 and 100.")]
    public double MaxUncertainRatio { get; set; } = 2;

    /// <summary>…plus this share of frames. Key <c>Ota:UncertainSlack</c>, default 0.1.</summary>
    [Range(0.0, 1.0, ErrorMessage = "Ota:UncertainSlack must be between 0 and 1.")]
    public double UncertainSlack { get; set; } = 0.1;

    /// <summary>Free disk space left after staging a package, in megabytes. Key <c>Ota:MinFreeDiskMegabytes</c>, default 64.</summary>
    [Range(0, 1000000, ErrorMessage = "Ota:MinFreeDiskMegabytes must be between 0 and 1000000.")]
    public int MinFreeDiskMegabytes { get; set; } = 64;

    /// <summary>Deadline of one download request. Key <c>Ota:RequestTimeoutSeconds</c>, default 60.</summary>
    [Range(1, 3600, ErrorMessage = "Ota:RequestTimeoutSeconds must be between 1 and 3600.")]
    public int RequestTimeoutSeconds { get; set; } = 60;

    /// <summary>Longest wait between download retries; downloads are retried until they succeed or the target changes. Key <c>Ota:MaxRetryDelaySeconds</c>, default 30.</summary>
    [Range(1, 3600, ErrorMessage = "Ota:MaxRetryDelaySeconds must be between 1 and 3600.")]
    public int MaxRetryDelaySeconds { get; set; } = 30;
}
