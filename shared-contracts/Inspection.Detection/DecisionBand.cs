namespace Inspection.Detection;

/// <summary>
/// Turns detections into a decision with a confidence band: the best detection's confidence
/// below <see cref="Lower"/> is pass, at or above <see cref="Upper"/> is defect, in between is uncertain.
/// </summary>
/// <param name="Lower">Lower edge of the uncertain band, in (0, 1).</param>
/// <param name="Upper">Upper edge of the uncertain band (the defect threshold), in [Lower, 1].</param>
public readonly record struct DecisionBand(float Lower, float Upper)
{
    public Decision Decide(IReadOnlyList<Detection> detections)
    {
        var best = 0f;
        foreach (var detection in detections)
        {
            best = Math.Max(best, detection.Confidence);
        }

        return best >= Upper ? Decision.Defect : best >= Lower ? Decision.Uncertain : Decision.Pass;
    }

    /// <summary>An error message a line engineer understands, or null when the band is valid.</summary>
    public string? Validate() =>
        Lower is <= 0 or >= 1 ? $"the lower edge of the uncertain band must be between 0 and 1 (exclusive), got {Lower}"
        : Upper < Lower || Upper > 1 ? $"the upper edge of the uncertain band must be between the lower edge ({Lower}) and 1, got {Upper}"
        : null;
}
