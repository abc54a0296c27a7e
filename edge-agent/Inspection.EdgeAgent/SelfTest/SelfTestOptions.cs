using System.ComponentModel.DataAnnotations;

namespace Inspection.EdgeAgent.SelfTest;

/// <summary>What the <c>self-test</c> verb runs against. Bound from the <c>SelfTest</c> section.</summary>
public sealed class SelfTestOptions
{
    public const string SectionName = "SelfTest";

    /// <summary>
    /// The prepared input the inference check runs: raw 8-bit RGB pixels, row by row (no header), exactly the model's
    /// input width × height, e.g. <c>convert part.png -resize 480x480! rgb:self-test-input.rgb</c>. Read without
    /// OpenCV, so the model is proven before the camera stack. Relative paths resolve against the content root. Key
    /// <c>SelfTest:InputPath</c>, default <c>models/edge/self-test-input.rgb</c> (shipped beside the edge model).
    /// </summary>
    [Required(ErrorMessage = "SelfTest:InputPath is required: the raw RGB image the inference check runs, e.g. models/edge/self-test-input.rgb.")]
    public string InputPath { get; set; } = "models/edge/self-test-input.rgb";

    /// <summary>
    /// Longest wait for the broker, the cloud and the source's first frame, in seconds. Key
    /// <c>SelfTest:TimeoutSeconds</c>, default 10.
    /// </summary>
    [Range(1, 300, ErrorMessage = "SelfTest:TimeoutSeconds must be between 1 and 300 seconds.")]
    public int TimeoutSeconds { get; set; } = 10;
}
