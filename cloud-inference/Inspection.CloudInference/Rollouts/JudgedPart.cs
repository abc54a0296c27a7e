using Inspection.Detection;

namespace Inspection.CloudInference.Rollouts;

/// <summary>One reviewed part as the review check sees it.</summary>
/// <param name="Defective">Whether the reviewer's final boxes hold a defect.</param>
/// <param name="Release">How the release being checked decides it.</param>
/// <param name="Running">How the model on the line decided it when it was inspected.</param>
public readonly record struct JudgedPart(bool Defective, Decision Release, Decision Running);
