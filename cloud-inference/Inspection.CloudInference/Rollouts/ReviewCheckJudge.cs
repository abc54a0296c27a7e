using System.Globalization;
using Inspection.Contracts.Rollouts;
using Inspection.Detection;

namespace Inspection.CloudInference.Rollouts;

/// <summary>
/// The review check's verdict from the judged parts: counts, not rates, so a line engineer can follow it — the release
/// may pass no more reviewed defective parts than the running model did (plus the allowance), and reject no more
/// reviewed clean parts than it did (plus the allowance's share of the clean parts, rounded up). A part either model
/// left uncertain is neither right nor wrong: the cloud and a person see it.
/// </summary>
public static class ReviewCheckJudge
{
    /// <param name="check">The resolved check (every member set).</param>
    /// <param name="parts">The judged parts.</param>
    /// <param name="frames">Frames the release's model ran on.</param>
    /// <param name="now">When the check ran.</param>
    public static ReviewCheckResult Judge(ReviewCheck check, IReadOnlyList<JudgedPart> parts, int frames, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(check);
        ArgumentNullException.ThrowIfNull(parts);
        var defective = parts.Count(p => p.Defective);
        var clean = parts.Count - defective;
        var release = Count(parts, p => p.Release);
        var running = Count(parts, p => p.Running);
        var shadow = check.ShadowMinAgreement!.Value;
        if (parts.Count < check.MinParts!.Value)
        {
            return NotEnough(check, parts.Count, parts.Count, now) with { Defective = defective, Clean = clean, Release = release, Running = running, Frames = frames };
        }

        var allowedEscapes = running.Escapes + check.EscapeAllowance!.Value;
        var allowedFalseRejects = running.FalseRejects + (int)Math.Ceiling((check.FalseRejectAllowance!.Value * clean) - 1e-9);
        var figures = string.Create(
            CultureInfo.InvariantCulture,
            $"on {parts.Count} {(check.IncludeTrainSplit == true ? "reviewed" : "held-out reviewed")} parts ({defective} defective, {clean} clean) the release passes {release.Escapes} defective, rejects {release.FalseRejects} clean, leaves {release.Uncertain} uncertain and decides {release.Right} right; the running model passed {running.Escapes} defective, rejected {running.FalseRejects} clean, left {running.Uncertain} uncertain");
        string? failure = release.Escapes > allowedEscapes
            ? string.Create(CultureInfo.InvariantCulture, $"it lets through {release.Escapes} reviewed defective parts, at most {allowedEscapes} allowed")
            : release.FalseRejects > allowedFalseRejects
                ? string.Create(CultureInfo.InvariantCulture, $"it rejects {release.FalseRejects} reviewed clean parts, at most {allowedFalseRejects} allowed")
                : null;
        return new ReviewCheckResult(
            failure is null,
            failure is null
                ? string.Create(CultureInfo.InvariantCulture, $"passed: {figures}; the devices shadow it with an agreement bar of {shadow:P0}")
                : $"failed: {failure}; {figures}",
            parts.Count, defective, clean, release, running, frames, shadow, now);
    }

    /// <summary>
    /// The verdict when only <paramref name="reviewed"/> parts can be judged, fewer than the check needs;
    /// <paramref name="all"/> counts those reviewed, held out or not.
    /// </summary>
    public static ReviewCheckResult NotEnough(ReviewCheck check, int reviewed, int all, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(check);
        var none = new ReviewCheckCounts(0, 0, 0, 0);
        var seen = all - reviewed;
        var message = check.IncludeTrainSplit == true || seen == 0
            ? string.Create(CultureInfo.InvariantCulture, $"only {reviewed} reviewed parts from the rollout's devices; at least {check.MinParts} are needed (reviewCheck.minParts): review more of their parts first")
            : string.Create(CultureInfo.InvariantCulture, $"only {reviewed} reviewed parts from the rollout's devices that the release cannot have trained on (the export's val split, or reviewed after the release was registered); {seen} more are in the export's train split; at least {check.MinParts} are needed (reviewCheck.minParts): review more of their parts first, or set reviewCheck.includeTrainSplit if the release did not train on these reviews");
        return new ReviewCheckResult(
            false,
            message,
            reviewed, 0, 0, none, none, 0, check.ShadowMinAgreement!.Value, now);
    }

    private static ReviewCheckCounts Count(IReadOnlyList<JudgedPart> parts, Func<JudgedPart, Decision> decision)
    {
        int right = 0, escapes = 0, falseRejects = 0, uncertain = 0;
        foreach (var part in parts)
        {
            switch (decision(part))
            {
                case Decision.Uncertain:
                    uncertain++;
                    break;
                case Decision.Pass when part.Defective:
                    escapes++;
                    break;
                case Decision.Defect when !part.Defective:
                    falseRejects++;
                    break;
                default:
                    right++;
                    break;
            }
        }

        return new ReviewCheckCounts(right, escapes, falseRejects, uncertain);
    }
}
