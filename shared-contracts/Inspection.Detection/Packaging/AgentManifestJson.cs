using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;

namespace Inspection.Detection.Packaging;

/// <summary>
/// Reads and writes an agent bundle's <c>manifest.json</c>. Unknown fields are ignored; a manifest that is not JSON,
/// lacks a field, is not an agent's, or has an unsafe value (a path that leaves the release folder, a malformed hash)
/// is refused with the reason — parsing never throws.
/// </summary>
public static partial class AgentManifestJson
{
    public static byte[] Serialize(AgentManifest manifest) =>
        JsonSerializer.SerializeToUtf8Bytes(manifest, AgentManifestJsonContext.Default.AgentManifest);

    public static bool TryParse(ReadOnlySpan<byte> json, [NotNullWhen(true)] out AgentManifest? manifest, out string error) =>
        ManifestDocument.TryRead(
            json,
            AgentManifest.CurrentSchemaVersion,
            AgentManifestJsonContext.Default.AgentManifest,
            static root => root.TryGetProperty("kind", out var kind) && kind.ValueKind == JsonValueKind.String && kind.GetString() == AgentManifest.BundleKind
                ? null
                : $"the manifest is not an edge agent's (kind must be \"{AgentManifest.BundleKind}\"): a model package is installed as a model, not as the agent",
            Validate,
            out manifest,
            out error);

    /// <summary>Why the manifest is unusable, or null.</summary>
    public static string? Validate(AgentManifest manifest)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        if (!SemanticVersion().IsMatch(manifest.Version ?? string.Empty))
        {
            return $"version '{manifest.Version}' is not a semantic version (e.g. 1.4.0)";
        }

        if (string.IsNullOrWhiteSpace(manifest.KeyId))
        {
            return "keyId is missing";
        }

        if (manifest.Files is not { Count: > 0 })
        {
            return "the manifest names no files";
        }

        var paths = new HashSet<string>(StringComparer.Ordinal);
        foreach (var file in manifest.Files)
        {
            if (file is null || !IsSafePath(file.Path))
            {
                return $"file path '{file?.Path}' is not a plain relative path inside the release";
            }

            if (file.Path is ModelPackage.ManifestFile or ModelPackage.SignatureFile)
            {
                return $"{file.Path} is the bundle's own; the release cannot hold a file of that name";
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

        if (!paths.Contains(manifest.Entry ?? string.Empty))
        {
            return $"entry '{manifest.Entry}' (the executable the service starts) is not one of the bundle's files";
        }

        return null;
    }

    /// <summary>
    /// A path that stays inside the folder it is extracted to: relative, '/'-separated, no '.' or '..' part, no empty
    /// part, no backslash, no leading '/'.
    /// </summary>
    public static bool IsSafePath(string? path) =>
        path is not null && SafePath().IsMatch(path) && path.Split('/').All(p => p is not ("" or "." or ".."));

    /// <summary>Compares two semantic versions by major, minor and patch; a pre-release sorts below its release.</summary>
    public static int CompareVersions(string left, string right)
    {
        var a = Parse(left);
        var b = Parse(right);
        var core = a.Core.CompareTo(b.Core);
        if (core != 0)
        {
            return core;
        }

        // 1.2.0-rc1 < 1.2.0; two pre-releases compare as text (enough for rc1 < rc2).
        return (a.Pre, b.Pre) switch
        {
            (null, null) => 0,
            (null, _) => 1,
            (_, null) => -1,
            _ => string.CompareOrdinal(a.Pre, b.Pre),
        };
    }

    /// <summary>True when <paramref name="version"/> is a semantic version (build metadata allowed).</summary>
    public static bool IsVersion(string? version) => SemanticVersion().IsMatch(version ?? string.Empty);

    private static ((long, long, long) Core, string? Pre) Parse(string version)
    {
        var match = SemanticVersion().Match(version);
        if (!match.Success)
        {
            throw new FormatException($"'{version}' is not a semantic version");
        }

        return ((long.Parse(match.Groups[1].ValueSpan, provider: null), long.Parse(match.Groups[2].ValueSpan, provider: null), long.Parse(match.Groups[3].ValueSpan, provider: null)),
            match.Groups[4].Success ? match.Groups[4].Value : null);
    }

    [GeneratedRegex(@"^(0|[1-9]\d{0,8})\.(0|[1-9]\d{0,8})\.(0|[1-9]\d{0,8})(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?$")]
    private static partial Regex SemanticVersion();

    [GeneratedRegex("^[A-Za-z0-9_+-][A-Za-z0-9._/+-]{0,299}$")]
    private static partial Regex SafePath();

    [GeneratedRegex("^[0-9a-f]{64}$")]
    private static partial Regex Sha256Hex();
}

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    WriteIndented = true,
    RespectRequiredConstructorParameters = true,
    RespectNullableAnnotations = true)]
[JsonSerializable(typeof(AgentManifest))]
internal sealed partial class AgentManifestJsonContext : JsonSerializerContext;
