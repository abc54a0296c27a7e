using System.ComponentModel.DataAnnotations;

namespace Inspection.EdgeAgent.Capture;

/// <summary>Where the agent takes frames from. Bound from the <c>Capture</c> section.</summary>
public sealed class CaptureOptions : IValidatableObject
{
    public const string SectionName = "Capture";

    /// <summary>
    /// The frame source. Required, one of: <c>camera:0</c> (V4L2 camera index), <c>file:/path/video.mp4</c>,
    /// <c>folder:/path/images</c> (sorted *.jpg and *.png), <c>gst:&lt;GStreamer pipeline ending in appsink&gt;</c>,
    /// <c>rtsp://host/stream</c>. No default.
    /// </summary>
    [Required(ErrorMessage = "Capture:Source is required: where frames come from, e.g. camera:0, file:/data/line.mp4, folder:/data/images, gst:<pipeline> or rtsp://camera/stream.")]
    public string Source { get; set; } = string.Empty;

    /// <summary>For a file or folder: start again from the beginning when it ends (demos). Default false.</summary>
    public bool Loop { get; set; }

    /// <summary>At most this many frames per second; 0 reads as fast as the pipeline inspects. Default 0.</summary>
    [Range(0.0, 1000.0, ErrorMessage = "Capture:MaxFps must be between 0 (no limit) and 1000 frames per second.")]
    public double MaxFps { get; set; }

    /// <summary>How long to wait before reopening a camera or stream that stopped delivering frames. Default 5.</summary>
    [Range(1, 3600, ErrorMessage = "Capture:ReconnectDelaySeconds must be between 1 and 3600 seconds.")]
    public int ReconnectDelaySeconds { get; set; } = 5;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (string.IsNullOrWhiteSpace(Source))
        {
            yield break;
        }

        if (!CaptureSource.TryParse(Source, out var source, out var error))
        {
            yield return new ValidationResult($"Capture:Source '{Source}' is not usable: {error}", [nameof(Source)]);
        }
        else if (source.Kind == CaptureSourceKind.File && !File.Exists(source.Target))
        {
            yield return new ValidationResult($"Capture:Source names the video file '{source.Target}', which does not exist.", [nameof(Source)]);
        }
        else if (source.Kind == CaptureSourceKind.Folder && !Directory.Exists(source.Target))
        {
            yield return new ValidationResult($"Capture:Source names the image folder '{source.Target}', which does not exist.", [nameof(Source)]);
        }
    }
}
