using System.ComponentModel.DataAnnotations;

namespace Inspection.Detection.Parts;

/// <summary>
/// How the part tracker finds plates on the belt. Bound from the <c>Parts:Tracker</c> section. The tracker assumes a
/// dark belt, light parts and travel from the left edge of the image to the right.
/// </summary>
public sealed class PartTrackerOptions
{
    public const string SectionName = "Parts:Tracker";

    /// <summary>
    /// <c>Parts:Tracker:Threshold</c>: grey level (0–255) above which a pixel counts as part, below as belt. Pick it
    /// between the brightest belt and the darkest part under the dimmest lighting. Default 100.
    /// </summary>
    [Range(1, 254, ErrorMessage = "Parts:Tracker:Threshold must be a grey level between 1 and 254: above it a pixel is part, below it belt. Look at a frame of the empty belt and of a part and pick a level between them.")]
    public int Threshold { get; set; } = 100;

    /// <summary>
    /// <c>Parts:Tracker:WorkWidth</c>: the frame is shrunk to this width (aspect kept) before segmenting; smaller is
    /// cheaper, too small loses parts narrower than a few pixels. Default 160.
    /// </summary>
    [Range(32, 1920, ErrorMessage = "Parts:Tracker:WorkWidth must be between 32 and 1920 pixels; 160 suits parts that fill a tenth of the image.")]
    public int WorkWidth { get; set; } = 160;

    /// <summary>
    /// <c>Parts:Tracker:MinAreaShare</c>: a silhouette smaller than this share of the image is ignored (dirt,
    /// glare, a part's first sliver). Default 0.015.
    /// </summary>
    [Range(0.0001, 0.5, ErrorMessage = "Parts:Tracker:MinAreaShare must be between 0.0001 and 0.5 of the image; set it below the share of the image the smallest part covers when half in view.")]
    public double MinAreaShare { get; set; } = 0.015;

    /// <summary>
    /// <c>Parts:Tracker:MaxStepShare</c>: the furthest a part may move between two frames, as a share of the image
    /// width, beyond the speed it was moving at. A larger step starts a new part. Default 0.15.
    /// </summary>
    [Range(0.01, 1.0, ErrorMessage = "Parts:Tracker:MaxStepShare must be between 0.01 and 1 of the image width; it must exceed a part's travel between two frames.")]
    public double MaxStepShare { get; set; } = 0.15;

    /// <summary>
    /// <c>Parts:Tracker:MaxMissedFrames</c>: frames a part may go unseen (glare, a dropped frame) before it is
    /// closed; after that a silhouette at the same place is a new part. Default 2.
    /// </summary>
    [Range(0, 100, ErrorMessage = "Parts:Tracker:MaxMissedFrames must be between 0 and 100 frames.")]
    public int MaxMissedFrames { get; set; } = 2;
}
