using System.ComponentModel.DataAnnotations;

namespace Inspection.EdgeAgent.Forwarding;

/// <summary>Where and how uncertain frames are escalated. Bound from the <c>Cloud</c> section.</summary>
public sealed class CloudOptions : IValidatableObject
{
    public const string SectionName = "Cloud";

    /// <summary>Address of the cloud inference service (gRPC). Default <c>http://127.0.0.1:5100</c>.</summary>
    [Required(ErrorMessage = "Cloud:Address is required: the cloud inference service, e.g. http://cloud-host:5100.")]
    public string Address { get; set; } = "http://127.0.0.1:5100";

    /// <summary>Frames sent per call. Default 16.</summary>
    [Range(1, 256, ErrorMessage = "Cloud:BatchSize must be between 1 and 256 frames per call.")]
    public int BatchSize { get; set; } = 16;

    /// <summary>Deadline of one call; frames unanswered by then are retried later. Default 10.</summary>
    [Range(1, 600, ErrorMessage = "Cloud:DeadlineSeconds must be between 1 and 600 seconds.")]
    public int DeadlineSeconds { get; set; } = 10;

    /// <summary>First wait before a frame the cloud did not answer is sent again; doubles per attempt. Default 1.</summary>
    [Range(0.1, 3600.0, ErrorMessage = "Cloud:InitialBackoffSeconds must be between 0.1 and 3600 seconds.")]
    public double InitialBackoffSeconds { get; set; } = 1;

    /// <summary>Longest wait between attempts for one frame, and longest pause while the cloud is unreachable. Default 30.</summary>
    [Range(1, 3600, ErrorMessage = "Cloud:MaxBackoffSeconds must be between 1 and 3600 seconds.")]
    public int MaxBackoffSeconds { get; set; } = 30;

    /// <summary>How often the outbox is checked for due frames when there is nothing to send. Default 500.</summary>
    [Range(10, 60_000, ErrorMessage = "Cloud:PollIntervalMilliseconds must be between 10 and 60000 milliseconds.")]
    public int PollIntervalMilliseconds { get; set; } = 500;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!Uri.TryCreate(Address, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            yield return new ValidationResult($"Cloud:Address '{Address}' is not an http:// or https:// address, e.g. http://cloud-host:5100.", [nameof(Address)]);
        }

        if (InitialBackoffSeconds > MaxBackoffSeconds)
        {
            yield return new ValidationResult(
                $"Cloud:InitialBackoffSeconds ({InitialBackoffSeconds}) must not exceed Cloud:MaxBackoffSeconds ({MaxBackoffSeconds}).",
                [nameof(InitialBackoffSeconds)]);
        }
    }
}
