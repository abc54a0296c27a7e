namespace Inspection.EdgeAgent.Storage;

/// <summary>A frame that could not be read (collection <c>capture_errors</c>), e.g. a corrupt image file.</summary>
public sealed class CaptureErrorRecord
{
    public long Id { get; set; }

    public DateTime At { get; set; }

    /// <summary>The file or source the item came from.</summary>
    public string Origin { get; set; } = string.Empty;

    public string Error { get; set; } = string.Empty;
}
