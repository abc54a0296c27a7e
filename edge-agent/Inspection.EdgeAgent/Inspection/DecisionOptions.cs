using System.ComponentModel.DataAnnotations;
using Inspection.Detection;

namespace Inspection.EdgeAgent.Inspection;

/// <summary>
/// The confidence band that turns detections into pass, defect or uncertain. Bound from the
/// <c>Decision</c> section.
/// </summary>
public sealed class DecisionOptions : IValidatableObject
{
    public const string SectionName = "Decision";

    /// <summary>
    /// <c>Decision:Lower</c>: best confidence below this is pass; from here up to <see cref="Upper"/> is uncertain
    /// (escalated). Default 0.15, chosen with <see cref="Upper"/> per part on the shipped models' validation lines by
    /// <c>choose-bands</c> (models/README.md); a model of its own needs a band chosen for it.
    /// </summary>
    public float Lower { get; set; } = 0.15f;

    /// <summary><c>Decision:Upper</c>: best confidence at or above this is defect. Default 0.70.</summary>
    public float Upper { get; set; } = 0.70f;

    public DecisionBand ToBand() => new(Lower, Upper);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (ToBand().Validate() is { } error)
        {
            yield return new ValidationResult($"Decision: {error}.", [nameof(Lower), nameof(Upper)]);
        }
    }
}
