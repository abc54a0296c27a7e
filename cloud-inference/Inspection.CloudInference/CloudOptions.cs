using System.ComponentModel.DataAnnotations;
using Inspection.CloudInference.Storage;

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

    /// <summary>
    /// Where escalations, their frames, refused frames and desired states are kept: <c>litedb</c> (the file at
    /// <see cref="StoragePath"/>, one process) or <c>postgresql</c> (the database at
    /// <see cref="PostgreSqlConnectionString"/>, shared by several cloud replicas). Key <c>Cloud:StorageProvider</c>,
    /// default <c>litedb</c>. The model registry, rollouts, reviews and accounts stay in the LiteDB file either way.
    /// </summary>
    public string StorageProvider { get; set; } = StorageProviders.LiteDb;

    /// <summary>
    /// The PostgreSQL database when <see cref="StorageProvider"/> is <c>postgresql</c>, as an Npgsql connection string,
    /// e.g. <c>Host=db;Port=5432;Database=inspection;Username=inspection;Password=…</c>. Key
    /// <c>Cloud:PostgreSqlConnectionString</c>, no default. Its schema is created and migrated at start.
    /// </summary>
    public string? PostgreSqlConnectionString { get; set; }

    /// <summary>True when the shared store is PostgreSQL.</summary>
    public bool UsesPostgreSql => string.Equals(StorageProvider, StorageProviders.PostgreSql, StringComparison.OrdinalIgnoreCase);

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

        if (!UsesPostgreSql && !string.Equals(StorageProvider, StorageProviders.LiteDb, StringComparison.OrdinalIgnoreCase))
        {
            yield return new ValidationResult(
                $"Cloud:StorageProvider '{StorageProvider}' is not known: use '{StorageProviders.LiteDb}' (the default, one file) or '{StorageProviders.PostgreSql}' (shared by replicas).",
                ["Cloud:StorageProvider"]);
        }
        else if (UsesPostgreSql && StorageProviders.CheckConnectionString(PostgreSqlConnectionString) is { } problem)
        {
            yield return new ValidationResult(problem, ["Cloud:PostgreSqlConnectionString"]);
        }
    }
}
