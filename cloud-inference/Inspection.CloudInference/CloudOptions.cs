using System.ComponentModel.DataAnnotations;

namespace Inspection.CloudInference;

/// <summary>Endpoints and storage of the cloud service. Bound from the <c>Cloud</c> section.</summary>
public sealed class CloudOptions : IValidatableObject
{
    public const string SectionName = "Cloud";

    /// <summary>
    /// Where the gRPC escalation endpoint listens (cleartext HTTP/2 only). Key <c>Cloud:GrpcUrl</c>,
    /// default <c>http://127.0.0.1:5100</c>. Use <c>http://0.0.0.0:5100</c> so edge devices on the
    /// plant network can reach it.
    /// </summary>
    [Required(ErrorMessage = "Cloud:GrpcUrl is required, e.g. http://127.0.0.1:5100.")]
    public string GrpcUrl { get; set; } = "http://127.0.0.1:5100";

    /// <summary>
    /// Where the operator page and the JSON API listen (HTTP/1.1). Key <c>Cloud:HttpUrl</c>, default
    /// <c>http://127.0.0.1:5180</c>. Use <c>http://0.0.0.0:5180</c> to reach the page from other machines.
    /// </summary>
    [Required(ErrorMessage = "Cloud:HttpUrl is required, e.g. http://127.0.0.1:5180.")]
    public string HttpUrl { get; set; } = "http://127.0.0.1:5180";

    /// <summary>
    /// LiteDB file holding escalations, their frames and the desired state of every device. Relative
    /// paths are resolved against the content root. Key <c>Cloud:StoragePath</c>, default <c>data/cloud.db</c>.
    /// </summary>
    [Required(ErrorMessage = "Cloud:StoragePath is required: the path of the cloud database file, e.g. data/cloud.db.")]
    public string StoragePath { get; set; } = "data/cloud.db";

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        foreach (var (key, value) in new[] { ("Cloud:GrpcUrl", GrpcUrl), ("Cloud:HttpUrl", HttpUrl) })
        {
            if (!ListenUrl.TryParse(value, out _, out var error))
            {
                yield return new ValidationResult($"{key} '{value}' is not usable: {error}", [key]);
            }
        }

        if (ListenUrl.TryParse(GrpcUrl, out var grpc, out _) && ListenUrl.TryParse(HttpUrl, out var http, out _)
            && grpc.Port == http.Port && grpc.Port != 0)
        {
            yield return new ValidationResult(
                $"Cloud:GrpcUrl and Cloud:HttpUrl both use port {grpc.Port}: gRPC needs its own HTTP/2-only port.",
                ["Cloud:GrpcUrl", "Cloud:HttpUrl"]);
        }
    }
}
