using System.Text.Json.Serialization;

namespace Inspection.Detection.Packaging;

/// <summary>
/// The settings the publisher chose for the model on validation data; they travel with the weights because they
/// belong to them (a retrained model's scores sit elsewhere). A device runs the model with these, and the golden set
/// was produced with them.
/// </summary>
/// <param name="Lower">Best score below this: pass.</param>
/// <param name="Upper">Best score at or above this: defect; in between: uncertain (escalated).</param>
/// <param name="ScoreThreshold">Detections below this score are dropped before NMS (at most <paramref name="Lower"/>).</param>
/// <param name="IouThreshold">NMS overlap threshold.</param>
/// <param name="ClassAgnosticNms">Whether boxes of different classes suppress each other.</param>
public sealed record RecommendedSettings(float Lower, float Upper, float ScoreThreshold, float IouThreshold, bool ClassAgnosticNms)
{
    [JsonIgnore]
    public DecisionBand Band => new(Lower, Upper);

    /// <summary>Why the settings are unusable, or null.</summary>
    public string? Validate() =>
        Band.Validate() is { } band ? band
        : ScoreThreshold is < 0 or >= 1 ? $"scoreThreshold must be in [0, 1), got {ScoreThreshold}"
        : ScoreThreshold > Lower ? $"scoreThreshold {ScoreThreshold} is above the band's lower edge {Lower}: frames in the band would pass unseen"
        : IouThreshold is <= 0 or > 1 ? $"iouThreshold must be in (0, 1], got {IouThreshold}"
        : null;

    /// <summary>The detector options to run the model with: <paramref name="baseOptions"/> with these settings applied.</summary>
    public DetectorOptions Apply(DetectorOptions baseOptions, string modelPath)
    {
        ArgumentNullException.ThrowIfNull(baseOptions);
        var options = baseOptions.Clone();
        options.ModelPath = modelPath;
        options.ScoreThreshold = ScoreThreshold;
        options.IouThreshold = IouThreshold;
        options.ClassAgnosticNms = ClassAgnosticNms;
        return options;
    }
}
