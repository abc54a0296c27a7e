using System.ComponentModel.DataAnnotations;
using Inspection.Detection;

namespace Inspection.CloudInference.Escalations;

/// <summary>
/// The cloud's uncertain band. Bound from <c>Cloud:Decision</c>. A frame whose best cloud detection
/// falls inside the band stays uncertain and goes to the review queue.
/// </summary>
public sealed class DecisionOptions : IValidatableObject
{
    public const string SectionName = "Cloud:Decision";

    /// <summary>
    /// Below this confidence the cloud says pass. Key <c>Cloud:Decision:Lower</c>, default 0.25: with <see cref="Upper"/>
    /// chosen per part on the shipped models' validation lines by <c>choose-bands</c> (models/README.md, the cloud band's curve).
    /// </summary>
    [Range(0.0, 1.0, ErrorMessage = "Cloud:Decision:Lower must be between 0 and 1.")]
    public float Lower { get; set; } = 0.25f;

    /// <summary>At or above this confidence the cloud says defect. Key <c>Cloud:Decision:Upper</c>, default 0.30.</summary>
    [Range(0.0, 1.0, ErrorMessage = "Cloud:Decision:Upper must be between 0 and 1.")]
    public float Upper { get; set; } = 0.30f;

    public DecisionBand Band => new(Lower, Upper);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (Band.Validate() is { } error)
        {
            yield return new ValidationResult($"Cloud:Decision: {error}.", [nameof(Lower), nameof(Upper)]);
        }
    }
}
