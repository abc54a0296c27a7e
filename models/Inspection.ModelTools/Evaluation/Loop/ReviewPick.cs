namespace Inspection.ModelTools.Evaluation.Loop;

/// <summary>Which parts <c>review-set</c> takes.</summary>
public enum ReviewPick
{
    /// <summary>Every part the edge was unsure of (escalated under the shipped edge band), whatever the cloud then decided.</summary>
    Escalated = 0,

    /// <summary>Only the parts the cloud left uncertain too: what reaches a person's review queue.</summary>
    Person = 1,
}
