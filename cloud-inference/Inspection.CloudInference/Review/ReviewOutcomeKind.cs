namespace Inspection.CloudInference.Review;

/// <summary>How a review operation ended.</summary>
public enum ReviewOutcomeKind
{
    Done,
    Invalid,
    NotFound,
    Conflict,
}
