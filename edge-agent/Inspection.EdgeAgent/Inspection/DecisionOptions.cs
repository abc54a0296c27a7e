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
    /// Best confidence below this is pass; from here up to <see cref="Upper"/> is uncertain (escalated). Default 0.25,
    /// chosen with <see cref="Upper"/> from the shipped models' cascade trade-off curve (models/README.md).
    /// </summary>
    public float Lower { get; set; } = 0.25f;

    /// <summary>Best confidence at or above this is defect. Default 0.85.</summary>
    public float Upper { get; set; } = 0.85f;

    public DecisionBand ToBand() => new(Lower, Upper);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (ToBand().Validate() is { } error)
        {
            yield return new ValidationResult($"Decision: {error}.", [nameof(Lower), nameof(Upper)]);
        }
    }
}
