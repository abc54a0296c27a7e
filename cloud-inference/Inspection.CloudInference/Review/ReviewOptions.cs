using System.ComponentModel.DataAnnotations;

namespace Inspection.CloudInference.Review;

/// <summary>The review workspace: leases and reason tags. Bound from <c>Cloud:Review</c>.</summary>
public sealed class ReviewOptions : IValidatableObject
{
    public const string SectionName = "Cloud:Review";

    /// <summary>
    /// How long opening an item reserves it for one reviewer; the page renews the lease while the item stays open, so
    /// only a reviewer who walked away loses it. Key <c>Cloud:Review:LeaseSeconds</c>, default 300 (5 minutes).
    /// </summary>
    [Range(10, 86400, ErrorMessage = "Cloud:Review:LeaseSeconds must be between 10 and 86400.")]
    public int LeaseSeconds { get; set; } = 300;

    /// <summary>
    /// The reason tags a reviewer may attach to an action (free strings; anything else is refused). Key
    /// <c>Cloud:Review:ReasonTags</c>, default <c>glare</c>, <c>blur</c>, <c>edge-of-part</c>, <c>dust</c>,
    /// <c>faint-defect</c>, <c>wrong-class</c>, <c>box-misplaced</c>, <c>other</c>.
    /// </summary>
    public List<string> ReasonTags { get; set; } = [];

    /// <summary>The tags in force: the configured ones, or the defaults when none are configured.</summary>
    public IReadOnlyList<string> EffectiveReasonTags => ReasonTags.Count > 0 ? ReasonTags : DefaultReasonTags;

    /// <summary>The tags when <c>Cloud:Review:ReasonTags</c> is not set.</summary>
    public static IReadOnlyList<string> DefaultReasonTags { get; } =
        ["glare", "blur", "edge-of-part", "dust", "faint-defect", "wrong-class", "box-misplaced", "other"];

    /// <summary>
    /// Lines whose every escalation enters the review queue, including those the cloud decided: a line that has just
    /// started, or a part variant the models have not been trained on, where a confident model may still be wrong.
    /// Key <c>Cloud:Review:AllOnLines</c> (line ids), default none.
    /// </summary>
    public List<string> AllOnLines { get; set; } = [];

    /// <summary>
    /// Share of the escalations the cloud decided (pass or defect) that also enter the review queue, as an audit of the
    /// cloud's verdicts; chosen by the escalation key's hash, so the same escalations are chosen on every replica and
    /// restart. Key <c>Cloud:Review:SampleShare</c>, 0–1, default 0 (only what the cloud left uncertain).
    /// </summary>
    [Range(0.0, 1.0, ErrorMessage = "Cloud:Review:SampleShare must be between 0 and 1 (the share of the cloud's decided escalations that are also reviewed).")]
    public double SampleShare { get; set; }

    public TimeSpan Lease => TimeSpan.FromSeconds(LeaseSeconds);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        foreach (var tag in ReasonTags)
        {
            if (string.IsNullOrWhiteSpace(tag) || tag.Length > 40)
            {
                yield return new ValidationResult(
                    $"Cloud:Review:ReasonTags: '{tag}' is not a usable tag (1-40 characters, not blank).", [nameof(ReasonTags)]);
            }
        }

        if (ReasonTags.Distinct(StringComparer.Ordinal).Count() != ReasonTags.Count)
        {
            yield return new ValidationResult("Cloud:Review:ReasonTags lists a tag twice.", [nameof(ReasonTags)]);
        }
    }
}
