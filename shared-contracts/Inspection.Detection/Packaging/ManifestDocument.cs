using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace Inspection.Detection.Packaging;

/// <summary>
/// The steps every signed manifest (a model package's, an agent bundle's) is read with: a JSON object, a check of
/// what kind of manifest it is, the schema version this code reads, then the typed record and its own validation.
/// Never throws on bad input: the reason comes back as text.
/// </summary>
internal static class ManifestDocument
{
    public static bool TryRead<T>(
        ReadOnlySpan<byte> json,
        int currentSchemaVersion,
        JsonTypeInfo<T> type,
        Func<JsonElement, string?> kindError,
        Func<T, string?> validate,
        [NotNullWhen(true)] out T? manifest,
        out string error)
        where T : class
    {
        manifest = null;
        try
        {
            var reader = new Utf8JsonReader(json);
            using var document = JsonDocument.ParseValue(ref reader);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                error = "the manifest is not a JSON object";
                return false;
            }

            if (kindError(root) is { } wrongKind)
            {
                error = wrongKind;
                return false;
            }

            if (!root.TryGetProperty("schemaVersion", out var schema) || !schema.TryGetInt32(out var version))
            {
                error = "the manifest has no schemaVersion";
                return false;
            }

            if (version != currentSchemaVersion)
            {
                error = $"manifest schemaVersion {version} is not supported (this reads {currentSchemaVersion})";
                return false;
            }

            manifest = root.Deserialize(type);
        }
        catch (JsonException ex)
        {
            error = $"the manifest is not valid JSON: {ex.Message}";
            return false;
        }

        if (manifest is null)
        {
            error = "the manifest is null";
            return false;
        }

        error = validate(manifest) ?? string.Empty;
        if (error.Length > 0)
        {
            manifest = null;
            return false;
        }

        return true;
    }
}
