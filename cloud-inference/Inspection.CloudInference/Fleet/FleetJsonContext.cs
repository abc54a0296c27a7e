using System.Text.Json.Serialization;
using Inspection.Contracts.Mqtt;

namespace Inspection.CloudInference.Fleet;

/// <summary>JSON of the model target as the desired-state store keeps it.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(ModelTarget))]
internal sealed partial class FleetJsonContext : JsonSerializerContext;
