using System.Text.Json.Serialization;
using Inspection.Contracts.Mqtt;

namespace Inspection.CloudInference.Fleet;

/// <summary>JSON of the model target, rollback and agent target as the desired-state store keeps them.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(ModelTarget))]
[JsonSerializable(typeof(ModelRollback))]
[JsonSerializable(typeof(AgentTarget))]
internal sealed partial class FleetJsonContext : JsonSerializerContext;
