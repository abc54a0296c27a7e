using System.Text.Json;
using System.Text.Json.Nodes;

namespace Inspection.ModelTools.Quantization;

/// <summary>
/// Activation ranges as JSON, <c>{"ranges": {"images": [min, max], "block0.out": [min, max], …}}</c>: written by
/// the trainer's quantization-aware fine-tuning, read by <c>quantize --ranges</c>.
/// </summary>
public static class ActivationRangeFile
{
    public static void Write(string path, IReadOnlyDictionary<string, (float Min, float Max)> ranges)
    {
        ArgumentNullException.ThrowIfNull(ranges);
        var node = new JsonObject();
        foreach (var (name, (min, max)) in ranges.OrderBy(r => r.Key, StringComparer.Ordinal))
        {
            node[name] = new JsonArray(min, max);
        }

        File.WriteAllText(path, new JsonObject { ["ranges"] = node }.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
    }

    /// <exception cref="QuantizationException">The file is missing or is not a ranges file.</exception>
    public static IReadOnlyDictionary<string, (float Min, float Max)> Read(string path)
    {
        if (!File.Exists(path))
        {
            throw new QuantizationException($"No ranges file at '{path}'.");
        }

        try
        {
            var ranges = JsonNode.Parse(File.ReadAllText(path))?["ranges"]?.AsObject()
                ?? throw new QuantizationException($"'{path}' has no \"ranges\" object.");
            var result = new Dictionary<string, (float Min, float Max)>(StringComparer.Ordinal);
            foreach (var (name, value) in ranges)
            {
                var pair = value?.AsArray();
                if (pair is not { Count: 2 } || pair[0]?.GetValue<float>() is not { } min || pair[1]?.GetValue<float>() is not { } max
                    || !float.IsFinite(min) || !float.IsFinite(max) || min > max)
                {
                    throw new QuantizationException($"'{path}': the range of '{name}' is not [min, max] with min ≤ max.");
                }

                result[name] = (min, max);
            }

            return result;
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException)
        {
            throw new QuantizationException($"'{path}' is not a ranges file: {e.Message}");
        }
    }
}
