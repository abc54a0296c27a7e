namespace Inspection.Contracts.Rollouts;

/// <summary>
/// Judge the release on the parts people reviewed before any device gets it, instead of on agreement with the model
/// it replaces. A model retrained for a changed line (a new part variant, a new lamp) is meant to decide differently
/// from the running one, so the device's shadow agreement says nothing about it; what the reviewers decided does.
/// The cloud runs the release's model over the reviewed frames of the rollout's devices (newest first, at most
/// <paramref name="MaxParts"/>) with the release's recommended settings, decides each part as a device would, and
/// compares with the reviewers and with what the running model decided on the line. The rollout starts only when the
/// release lets through no more reviewed defects than the running model did (+ <paramref name="EscapeAllowance"/>)
/// and rejects no more reviewed clean parts than it did (+ <paramref name="FalseRejectAllowance"/> of the clean
/// parts); the devices then shadow it with <paramref name="ShadowMinAgreement"/> as their agreement bar.
/// Only parts the release cannot have trained on are judged: those in the review export's validation split (which
/// the trainer leaves out) and those reviewed after the release was registered.
/// Every member has a default.
/// </summary>
/// <param name="MinParts">Reviewed parts needed from the rollout's devices (default 20); fewer refuses the start.</param>
/// <param name="MaxParts">The newest reviewed parts taken (default 300).</param>
/// <param name="EscapeAllowance">Reviewed defective parts the release may pass beyond those the running model passed (default 0).</param>
/// <param name="FalseRejectAllowance">Share of the reviewed clean parts the release may reject beyond those the running model rejected (default 0.05).</param>
/// <param name="ShadowMinAgreement">
/// The devices' shadow agreement bar for this release (default 0: the shadow still refuses a model that fails on its
/// frames, and the golden set, the health window and the accuracy gate still apply).
/// </param>
/// <param name="IncludeTrainSplit">
/// Judge also the parts the review export puts in its train split (default false). Only for a release that was not
/// trained on this cloud's reviews: one that was would be judged on the answers it learned.
/// </param>
public sealed record ReviewCheck(
    int? MinParts = null,
    int? MaxParts = null,
    int? EscapeAllowance = null,
    double? FalseRejectAllowance = null,
    double? ShadowMinAgreement = null,
    bool? IncludeTrainSplit = null);
