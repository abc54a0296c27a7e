using System.Text.Json.Serialization;

namespace Inspection.EdgeAgent.SelfTest;

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    WriteIndented = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    UseStringEnumConverter = true)]
[JsonSerializable(typeof(SelfTestReport))]
internal sealed partial class SelfTestJsonContext : JsonSerializerContext;
