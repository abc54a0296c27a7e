namespace Inspection.Contracts.Rollouts;

/// <summary>What the review check of a rollout found (<see cref="ReviewCheck"/>).</summary>
/// <param name="Passed">Whether the release may be rolled out.</param>
/// <param name="Summary">The verdict in plain words, with the figures.</param>
/// <param name="Parts">Reviewed parts judged.</param>
/// <param name="Defective">Of those, parts the reviewers found defective.</param>
/// <param name="Clean">Of those, parts the reviewers found clean.</param>
/// <param name="Release">How the release decided them.</param>
/// <param name="Running">How the models running on the line decided them when they were inspected.</param>
/// <param name="Frames">Frames the release's model ran on.</param>
/// <param name="ShadowMinAgreement">The agreement bar the devices shadow the release with.</param>
/// <param name="CheckedAt">When the check ran.</param>
public sealed record ReviewCheckResult(
    bool Passed,
    string Summary,
    int Parts,
    int Defective,
    int Clean,
    ReviewCheckCounts Release,
    ReviewCheckCounts Running,
    int Frames,
    double ShadowMinAgreement,
    DateTimeOffset CheckedAt);
