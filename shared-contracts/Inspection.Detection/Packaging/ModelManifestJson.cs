using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;

namespace Inspection.Detection.Packaging;

/// <summary>
/// Reads and writes <c>manifest.json</c>. Unknown fields are ignored; a manifest that is not JSON, lacks a field,
/// has another schema version or an unsafe value (a path that leaves the package, a malformed hash) is refused with
/// the reason — parsing never throws.
/// </summary>
public static partial class ModelManifestJson
{
    public static byte[] Serialize(ModelManifest manifest) =>
        JsonSerializer.SerializeToUtf8Bytes(manifest, PackagingJsonContext.Default.ModelManifest);

    public static bool TryParse(ReadOnlySpan<byte> json, [NotNullWhen(true)] out ModelManifest? manifest, out string error) =>
        ManifestDocument.TryRead(json, ModelManifest.CurrentSchemaVersion, PackagingJsonContext.Default.ModelManifest, static _ => null, Validate, out manifest, out error);

    /// <summary>Why the manifest is unusable, or null.</summary>
    public static string? Validate(ModelManifest manifest)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        if (string.IsNullOrWhiteSpace(manifest.Name) || !SafeName().IsMatch(manifest.Name))
        {
            return $"name '{manifest.Name}' must be 1–64 letters, digits, '.', '-' or '_'";
        }

        if (manifest.Release < 1)
        {
            return $"release must be 1 or more, got {manifest.Release}";
        }

        if (!SemanticVersion().IsMatch(manifest.Version ?? string.Empty))
        {
            return $"version '{manifest.Version}' is not a semantic version (e.g. 2.1.0)";
        }

        if (!SemanticVersion().IsMatch(manifest.MinAgentVersion ?? string.Empty))
        {
            return $"minAgentVersion '{manifest.MinAgentVersion}' is not a semantic version (e.g. 1.0.0)";
        }

        if (string.IsNullOrWhiteSpace(manifest.KeyId))
        {
            return "keyId is missing";
        }

        if (manifest.Summary is not { Classes.Count: > 0, InputWidth: > 0, InputHeight: > 0 } summary || !Enum.TryParse<YoloOutputLayout>(summary.Layout, out _))
        {
            return "summary must name the classes, a positive input size and a layout (YoloV5, YoloV8 or EndToEnd)";
        }

        if (manifest.Recommended is null)
        {
            return "recommended (decision band and detection settings) is missing";
        }

        if (manifest.Recommended.Validate() is { } settings)
        {
            return $"recommended: {settings}";
        }

        if (manifest.Golden is not { Frames.Count: > 0, Tolerance: { } tolerance })
        {
            return "the golden set has no frames: a device could not check the model computes what its publisher saw";
        }

        if (tolerance.MinScore is <= 0 or >= 1 || tolerance.MinIou is <= 0 or > 1 || tolerance.MaxScoreDifference is < 0 or >= 1)
        {
            return "golden tolerance must have minScore in (0, 1), minIou in (0, 1] and maxScoreDifference in [0, 1)";
        }

        var paths = new HashSet<string>(StringComparer.Ordinal);
        foreach (var file in manifest.Files())
        {
            if (file is null || !SafePath().IsMatch(file.Path ?? string.Empty) || file.Path!.Split('/').Any(p => p is "." or ".."))
            {
                return $"file path '{file?.Path}' is not a plain relative path inside the package";
            }

            if (!Sha256Hex().IsMatch(file.Sha256 ?? string.Empty))
            {
                return $"{file.Path}: sha256 must be 64 lowercase hex digits";
            }

            if (file.Size < 0)
            {
                return $"{file.Path}: size is negative";
            }

            if (!paths.Add(file.Path))
            {
                return $"{file.Path} is listed twice";
            }
        }

        return null;
    }

    [GeneratedRegex("^[A-Za-z0-9._-]{1,64}$")]
    private static partial Regex SafeName();

    [GeneratedRegex(@"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$")]
    private static partial Regex SemanticVersion();

    [GeneratedRegex("^[A-Za-z0-9_-][A-Za-z0-9._/-]{0,199}$")]
    private static partial Regex SafePath();

    [GeneratedRegex("^[0-9a-f]{64}$")]
    private static partial Regex Sha256Hex();
}

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    WriteIndented = true,
    RespectRequiredConstructorParameters = true,
    RespectNullableAnnotations = true)]
[JsonSerializable(typeof(ModelManifest))]
internal sealed partial class PackagingJsonContext : JsonSerializerContext;
