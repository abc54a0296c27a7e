namespace Inspection.CloudInference.Review;

/// <summary>What a review operation did: done (with its value), or refused with a reason the API turns into 400, 404 or 409.</summary>
public sealed record ReviewOutcome<T>(ReviewOutcomeKind Kind, T? Value, string Error)
{
    public static ReviewOutcome<T> Done(T value) => new(ReviewOutcomeKind.Done, value, string.Empty);

    public static ReviewOutcome<T> Invalid(string error) => new(ReviewOutcomeKind.Invalid, default, error);

    public static ReviewOutcome<T> NotFound(string error) => new(ReviewOutcomeKind.NotFound, default, error);

    public static ReviewOutcome<T> Conflict(string error) => new(ReviewOutcomeKind.Conflict, default, error);
}
