using System.ComponentModel.DataAnnotations;

namespace Inspection.EdgeAgent.AgentUpdate;

/// <summary>
/// Updates of the agent itself: where releases live, where the agent hands a verified bundle to the updater, and what
/// a new release must do within its health window to be kept. Bound from the <c>AgentUpdate</c> section; the agent
/// and the updater (<c>Inspection.EdgeAgent apply-agent-update</c>) read the same configuration. Bundles are verified
/// against the model publisher keys (<c>Ota:TrustedKeysPath</c>).
/// </summary>
public sealed class AgentUpdateOptions
{
    public const string SectionName = "AgentUpdate";

    /// <summary>
    /// The installation folder: releases in <c>releases/&lt;version&gt;</c> and the link <c>edge-agent</c> the unit's
    /// <c>ExecStart=</c> goes through, as install.sh lays them out. Key <c>AgentUpdate:InstallPath</c>, default
    /// <c>/opt/inspection</c>.
    /// </summary>
    [Required(ErrorMessage = "AgentUpdate:InstallPath is required: the folder with releases/ and the edge-agent link, e.g. /opt/inspection.")]
    public string InstallPath { get; set; } = "/opt/inspection";

    /// <summary>
    /// Name of the link inside <see cref="InstallPath"/> that points at the running release. Key
    /// <c>AgentUpdate:LinkName</c>, default <c>edge-agent</c>.
    /// </summary>
    [Required(ErrorMessage = "AgentUpdate:LinkName is required: the link the service starts through, e.g. edge-agent.")]
    [RegularExpression("^[A-Za-z0-9._-]{1,64}$", ErrorMessage = "AgentUpdate:LinkName must be a plain file name (letters, digits, '.', '_', '-').")]
    public string LinkName { get; set; } = "edge-agent";

    /// <summary>
    /// Where the agent downloads bundles and hands them to the updater (<c>request.json</c>), and where the updater
    /// keeps the update's state and outcome (<c>state.json</c>) across crashes and restarts. The agent must be able to
    /// write it. Key <c>AgentUpdate:StatePath</c>, default <c>data/agent-update</c> (on a Jetson
    /// <c>/var/lib/inspection/agent-update</c>).
    /// </summary>
    [Required(ErrorMessage = "AgentUpdate:StatePath is required: a folder the agent can write, e.g. /var/lib/inspection/agent-update.")]
    public string StatePath { get; set; } = "data/agent-update";

    /// <summary>The agent's systemd unit, which the updater restarts. Key <c>AgentUpdate:ServiceName</c>, default <c>inspection-edge-agent.service</c>.</summary>
    [Required(ErrorMessage = "AgentUpdate:ServiceName is required: the agent's systemd unit, e.g. inspection-edge-agent.service.")]
    public string ServiceName { get; set; } = "inspection-edge-agent.service";

    /// <summary>
    /// How long a new release may take from its start to <c>READY=1</c> (model loaded and warm; the TensorRT engine is
    /// in the cache from the release before). Key <c>AgentUpdate:ReadyTimeoutSeconds</c>, default 300.
    /// </summary>
    [Range(1, 7200, ErrorMessage = "AgentUpdate:ReadyTimeoutSeconds must be between 1 and 7200.")]
    public int ReadyTimeoutSeconds { get; set; } = 300;

    /// <summary>
    /// How long after <c>READY=1</c> the new release must keep inspecting frames before it is kept. Key
    /// <c>AgentUpdate:HealthWindowSeconds</c>, default 180.
    /// </summary>
    [Range(1, 86400, ErrorMessage = "AgentUpdate:HealthWindowSeconds must be between 1 and 86400.")]
    public int HealthWindowSeconds { get; set; } = 180;

    /// <summary>
    /// Within the health window, the longest time without a newly inspected frame before the release counts as stopped
    /// (the agent's status line, which carries the count, is refreshed every 5 s while frames flow). Key
    /// <c>AgentUpdate:MaxStallSeconds</c>, default 30 (the unit's <c>WatchdogSec=</c>).
    /// </summary>
    [Range(1, 3600, ErrorMessage = "AgentUpdate:MaxStallSeconds must be between 1 and 3600.")]
    public int MaxStallSeconds { get; set; } = 30;

    /// <summary>Frames the new release must inspect within the health window. Key <c>AgentUpdate:MinFrames</c>, default 100.</summary>
    [Range(1, 100000000, ErrorMessage = "AgentUpdate:MinFrames must be between 1 and 100000000.")]
    public int MinFrames { get; set; } = 100;

    /// <summary>How often the updater reads the service's state. Key <c>AgentUpdate:PollMilliseconds</c>, default 500.</summary>
    [Range(10, 60000, ErrorMessage = "AgentUpdate:PollMilliseconds must be between 10 and 60000.")]
    public int PollMilliseconds { get; set; } = 500;

    /// <summary>Largest release accepted (all files together), in megabytes. Key <c>AgentUpdate:MaxReleaseMegabytes</c>, default 2048.</summary>
    [Range(1, 65536, ErrorMessage = "AgentUpdate:MaxReleaseMegabytes must be between 1 and 65536.")]
    public int MaxReleaseMegabytes { get; set; } = 2048;
}
