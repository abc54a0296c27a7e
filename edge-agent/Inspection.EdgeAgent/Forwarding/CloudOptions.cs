using System.ComponentModel.DataAnnotations;

namespace Inspection.EdgeAgent.Forwarding;

/// <summary>Where and how uncertain frames are escalated. Bound from the <c>Cloud</c> section.</summary>
public sealed class CloudOptions : IValidatableObject
{
    public const string SectionName = "Cloud";

    /// <summary>
    /// Address of the cloud inference service (gRPC) when there is one. Key <c>Cloud:Address</c>, default
    /// <c>http://127.0.0.1:5100</c>. Ignored when <see cref="Addresses"/> lists any.
    /// </summary>
    [Required(ErrorMessage = "Cloud:Address is required: the cloud inference service, e.g. http://cloud-host:5100.")]
    public string Address { get; set; } = "http://127.0.0.1:5100";

    /// <summary>
    /// Addresses of several cloud replicas (keys <c>Cloud:Addresses:0</c>, <c>Cloud:Addresses:1</c>, …; environment
    /// <c>Cloud__Addresses__0</c>). Calls are spread over them round robin, and a call that finds its replica gone is
    /// sent again at once to another. All <c>http://</c> or all <c>https://</c>. Default empty: <see cref="Address"/>.
    /// </summary>
    public List<string> Addresses { get; set; } = [];

    /// <summary>The addresses in use: <see cref="Addresses"/> when any are listed, otherwise <see cref="Address"/>.</summary>
    public IReadOnlyList<string> Endpoints => Addresses.Count > 0 ? Addresses : [Address];

    /// <summary>The configuration key the addresses in use come from, for messages.</summary>
    public string EndpointsKey => Addresses.Count > 0 ? "Cloud:Addresses" : "Cloud:Address";

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
        var schemes = new HashSet<string>(StringComparer.Ordinal);
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < Endpoints.Count; i++)
        {
            var address = Endpoints[i];
            var key = Addresses.Count > 0 ? $"Cloud:Addresses:{i}" : "Cloud:Address";
            if (!Uri.TryCreate(address, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
            {
                yield return new ValidationResult($"{key} '{address}' is not an http:// or https:// address, e.g. http://cloud-host:5100.", [key]);
                continue;
            }

            if (uri.AbsolutePath != "/")
            {
                yield return new ValidationResult($"{key} '{address}' has a path; give the replica as scheme, host and port only, e.g. http://cloud-host:5100.", [key]);
            }

            schemes.Add(uri.Scheme);
            if (!seen.Add($"{uri.Host}:{uri.Port}"))
            {
                yield return new ValidationResult($"{key} '{address}' is listed twice: each replica once, or it gets twice the calls.", [key]);
            }
        }

        if (schemes.Count > 1)
        {
            yield return new ValidationResult(
                "Cloud:Addresses mixes http:// and https://: every replica is reached the same way (all https:// with Cloud:Tls in production).",
                ["Cloud:Addresses"]);
        }

        if (InitialBackoffSeconds > MaxBackoffSeconds)
        {
            yield return new ValidationResult(
                $"Cloud:InitialBackoffSeconds ({InitialBackoffSeconds}) must not exceed Cloud:MaxBackoffSeconds ({MaxBackoffSeconds}).",
                [nameof(InitialBackoffSeconds)]);
        }
    }
}
