namespace Inspection.CloudInference.AgentReleases;

/// <summary>How an agent bundle upload ended: the registered release, or the HTTP status and the reason it was refused.</summary>
public sealed record AgentReleaseResult(AgentRelease? Release, int Status, string? Error)
{
    public static AgentReleaseResult Accepted(AgentRelease release) => new(release, StatusCodes.Status201Created, null);

    public static AgentReleaseResult Refused(int status, string error) => new(null, status, error);
}
