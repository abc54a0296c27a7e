using System.Text.Json;

namespace Inspection.ModelTools.Evaluation.Parts;

/// <summary>A recorded clip as <c>evaluate-map</c> writes it (<c>parts-clip.json</c>), to be scored again with other settings by <c>score-parts</c>.</summary>
public sealed record SavedPartClip(
    int LineSeed, int FrameCount, float DetectionMargin, IReadOnlyList<TrackedPart> TrackedParts, IReadOnlyList<TruePart> TrueParts, IReadOnlyList<SavedCloudFrame> CloudFrames)
{
    public const string FileName = "parts-clip.json";

    private static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web);

    public string ToJson() => JsonSerializer.Serialize(this, JsonOptions);

    public static SavedPartClip Read(string path) =>
        JsonSerializer.Deserialize<SavedPartClip>(File.ReadAllText(path), JsonOptions)
        ?? throw new InvalidDataException($"'{path}' holds no part clip; write one with 'evaluate-map --part-frames N'.");
}
