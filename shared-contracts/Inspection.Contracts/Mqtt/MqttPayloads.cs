using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Inspection.Contracts.Mqtt;

/// <summary>
/// Reads and writes the JSON payloads of contract version 1. Unknown fields are ignored; a payload
/// that is not JSON, lacks a required field or carries an unsupported schema version is rejected with
/// a message that says which — parsing never throws.
/// </summary>
public static class MqttPayloads
{
    /// <summary>The payload schema version this contract writes and accepts.</summary>
    public const int SchemaVersion = 1;

    public static byte[] Serialize(DesiredState value) => JsonSerializer.SerializeToUtf8Bytes(value, MqttJsonContext.Default.DesiredState);

    public static byte[] Serialize(SignedDesiredState value) => JsonSerializer.SerializeToUtf8Bytes(value, MqttJsonContext.Default.SignedDesiredState);

    public static byte[] Serialize(ReportedState value) => JsonSerializer.SerializeToUtf8Bytes(value, MqttJsonContext.Default.ReportedState);

    public static byte[] Serialize(DeviceStatus value) => JsonSerializer.SerializeToUtf8Bytes(value, MqttJsonContext.Default.DeviceStatus);

    public static byte[] Serialize(DeviceEvent value) => JsonSerializer.SerializeToUtf8Bytes(value, MqttJsonContext.Default.DeviceEvent);

    public static byte[] Serialize(OtaProgress value) => JsonSerializer.SerializeToUtf8Bytes(value, MqttJsonContext.Default.OtaProgress);

    public static byte[] Serialize(ReviewVerdict value) => JsonSerializer.SerializeToUtf8Bytes(value, MqttJsonContext.Default.ReviewVerdict);

    public static byte[] Serialize(SignedReviewVerdict value) => JsonSerializer.SerializeToUtf8Bytes(value, MqttJsonContext.Default.SignedReviewVerdict);

    public static bool TryParseDesired(ReadOnlySpan<byte> json, [NotNullWhen(true)] out DesiredState? state, out string error)
    {
        if (!TryDeserialize(json, MqttJsonContext.Default.DesiredState, out state, out error))
        {
            return false;
        }

        error = state.Version < 1 ? $"version must be 1 or more, got {state.Version}"
            : !DegradationModes.TryParse(state.Mode, out _) ? $"unknown mode '{state.Mode}' (expected one of: {string.Join(", ", DegradationModes.All)})"
            : state.Model is { } model && ValidateTarget(model) is { } invalid ? invalid
            : state.Rollback is { } rollback && ValidateRollback(rollback, state.Model) is { } refused ? refused
            : state.Agent is { } agent ? ValidateAgent(agent) ?? string.Empty
            : string.Empty;
        return Accept(ref state, error);
    }

    /// <summary>
    /// Parses the signed envelope a device receives on its <c>desired</c> topic (not its signature: see
    /// <see cref="DesiredStateSignature.TryOpen"/>). A plain, unsigned desired state is refused as such.
    /// </summary>
    public static bool TryParseSignedDesired(ReadOnlySpan<byte> json, [NotNullWhen(true)] out SignedDesiredState? envelope, out string error)
    {
        if (IsUnsignedDesired(json, out var version))
        {
            envelope = null;
            error = $"the desired state (version {version}) is unsigned: this device applies only states signed by the cloud's control key";
            return false;
        }

        if (!TryDeserialize(json, MqttJsonContext.Default.SignedDesiredState, out envelope, out error))
        {
            return false;
        }

        error = string.IsNullOrEmpty(envelope.State) ? "state is missing"
            : string.IsNullOrEmpty(envelope.KeyId) ? "keyId is missing"
            : string.IsNullOrEmpty(envelope.Signature) ? "signature is missing"
            : string.Empty;
        return Accept(ref envelope, error);
    }

    public static bool TryParseReported(ReadOnlySpan<byte> json, [NotNullWhen(true)] out ReportedState? state, out string error)
    {
        if (!TryDeserialize(json, MqttJsonContext.Default.ReportedState, out state, out error))
        {
            return false;
        }

        error = string.IsNullOrEmpty(state.DeviceId) ? "deviceId is missing"
            : state.Model is null ? "model is missing"
            : state.Stats is null ? "stats is missing"
            : string.Empty;
        return Accept(ref state, error);
    }

    public static bool TryParseOtaProgress(ReadOnlySpan<byte> json, [NotNullWhen(true)] out OtaProgress? progress, out string error)
    {
        if (!TryDeserialize(json, MqttJsonContext.Default.OtaProgress, out progress, out error))
        {
            return false;
        }

        error = string.IsNullOrEmpty(progress.DeviceId) ? "deviceId is missing"
            : !OtaStates.All.Contains(progress.State) ? $"unknown state '{progress.State}' (expected one of: {string.Join(", ", OtaStates.All)})"
            : string.Empty;
        return Accept(ref progress, error);
    }

    public static bool TryParseStatus(ReadOnlySpan<byte> json, [NotNullWhen(true)] out DeviceStatus? status, out string error)
    {
        if (!TryDeserialize(json, MqttJsonContext.Default.DeviceStatus, out status, out error))
        {
            return false;
        }

        error = string.IsNullOrEmpty(status.DeviceId) ? "deviceId is missing" : string.Empty;
        return Accept(ref status, error);
    }

    public static bool TryParseEvent(ReadOnlySpan<byte> json, [NotNullWhen(true)] out DeviceEvent? deviceEvent, out string error)
    {
        if (!TryDeserialize(json, MqttJsonContext.Default.DeviceEvent, out deviceEvent, out error))
        {
            return false;
        }

        error = string.IsNullOrEmpty(deviceEvent.DeviceId) ? "deviceId is missing"
            : string.IsNullOrEmpty(deviceEvent.Type) ? "type is missing"
            : string.Empty;
        return Accept(ref deviceEvent, error);
    }

    /// <summary>
    /// Parses a <see cref="ReviewVerdict"/> (the signed bytes inside a <see cref="SignedReviewVerdict"/>): its id and device id
    /// are single topic-safe words, its escalation key is <c>{deviceId}/{sequence}</c>, its verdict agrees with its action.
    /// </summary>
    public static bool TryParseVerdict(ReadOnlySpan<byte> json, [NotNullWhen(true)] out ReviewVerdict? verdict, out string error)
    {
        if (!TryDeserialize(json, MqttJsonContext.Default.ReviewVerdict, out verdict, out error))
        {
            return false;
        }

        error = !MqttTopics.IsValidDeviceId(verdict.Id) ? $"id '{verdict.Id}' is not valid: use 1-64 letters, digits, '-', '_' or '.'"
            : !MqttTopics.IsValidDeviceId(verdict.DeviceId) ? $"deviceId '{verdict.DeviceId}' is not valid: use 1-64 letters, digits, '-', '_' or '.'"
            : verdict.Sequence < 0 ? $"sequence must not be negative, got {verdict.Sequence}"
            : verdict.Number < 0 ? $"number must not be negative, got {verdict.Number}"
            : verdict.EscalationKey != $"{verdict.DeviceId}/{verdict.Sequence.ToString(System.Globalization.CultureInfo.InvariantCulture)}"
                ? $"escalationKey '{verdict.EscalationKey}' does not name device {verdict.DeviceId} and sequence {verdict.Sequence}"
            : !ReviewVerdicts.Verdicts.Contains(verdict.Verdict) ? $"unknown verdict '{verdict.Verdict}' (expected one of: {string.Join(", ", ReviewVerdicts.Verdicts)})"
            : !ReviewVerdicts.Actions.TryGetValue(verdict.Action, out var given) ? $"unknown action '{verdict.Action}' (expected one of: {string.Join(", ", ReviewVerdicts.Actions.Keys)})"
            : given != verdict.Verdict ? $"action '{verdict.Action}' gives verdict '{given}', not '{verdict.Verdict}'"
            : string.IsNullOrWhiteSpace(verdict.Reviewer) ? "reviewer is missing"
            : string.Empty;
        return Accept(ref verdict, error);
    }

    /// <summary>
    /// Parses the signed envelope a device receives on its <c>verdicts</c> topic (not its signature: see
    /// <see cref="ReviewVerdictSignature.TryOpen"/>). A plain, unsigned verdict is refused as such.
    /// </summary>
    public static bool TryParseSignedVerdict(ReadOnlySpan<byte> json, [NotNullWhen(true)] out SignedReviewVerdict? envelope, out string error)
    {
        if (IsUnsignedVerdict(json, out var id))
        {
            envelope = null;
            error = $"the verdict {id} is unsigned: this device records only verdicts signed by the cloud's control key";
            return false;
        }

        if (!TryDeserialize(json, MqttJsonContext.Default.SignedReviewVerdict, out envelope, out error))
        {
            return false;
        }

        error = string.IsNullOrEmpty(envelope.Body) ? "body is missing"
            : string.IsNullOrEmpty(envelope.KeyId) ? "keyId is missing"
            : string.IsNullOrEmpty(envelope.Signature) ? "signature is missing"
            : string.Empty;
        return Accept(ref envelope, error);
    }

    /// <summary>A JSON object with a verdict and an escalation key but no signature: a verdict someone sent unsigned.</summary>
    private static bool IsUnsignedVerdict(ReadOnlySpan<byte> json, out string id)
    {
        id = "?";
        try
        {
            var reader = new Utf8JsonReader(json);
            using var document = JsonDocument.ParseValue(ref reader);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object || root.TryGetProperty("signature", out _) || !root.TryGetProperty("escalationKey", out _))
            {
                return false;
            }

            var raw = root.TryGetProperty("id", out var value) ? value.GetRawText() : "(no id)";
            id = raw.Length <= 70 ? raw : raw[..70] + "…";
            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    /// <summary>A JSON object with a version and a mode but no signature: the desired state as devices before signing read it.</summary>
    private static bool IsUnsignedDesired(ReadOnlySpan<byte> json, out string version)
    {
        version = "?";
        try
        {
            var reader = new Utf8JsonReader(json);
            using var document = JsonDocument.ParseValue(ref reader);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object || root.TryGetProperty("signature", out _) || !root.TryGetProperty("mode", out _))
            {
                return false;
            }

            var raw = root.TryGetProperty("version", out var value) ? value.GetRawText() : "none";
            version = raw.Length <= 24 ? raw : raw[..24] + "…";
            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private static string? ValidateTarget(ModelTarget model) =>
        model.Release < 1 ? $"model.release must be 1 or more, got {model.Release}"
        : string.IsNullOrWhiteSpace(model.Name) ? "model.name is missing"
        : !IsSha256(model.Sha256) ? "model.sha256 must be 64 lowercase hex digits"
        : !IsSha256(model.ManifestSha256) ? "model.manifestSha256 must be 64 lowercase hex digits"
        : model.Size <= 0 ? $"model.size must be positive, got {model.Size}"
        : !Uri.TryCreate(model.ManifestUrl, UriKind.Absolute, out var url) || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps)
            ? $"model.manifestUrl '{model.ManifestUrl}' is not an absolute http(s) URL"
        : string.IsNullOrWhiteSpace(model.Signature) ? "model.signature is missing"
        : model.ShadowFrames is < 0 ? "model.shadowFrames must not be negative"
        : model.MinAgreement is < 0 or > 1 ? "model.minAgreement must be between 0 and 1"
        : model.HealthFrames is < 0 ? "model.healthFrames must not be negative"
        : null;

    private static string? ValidateRollback(ModelRollback rollback, ModelTarget? model) =>
        rollback.From < 1 ? $"rollback.from must be 1 or more, got {rollback.From}"
        : rollback.To is { } to && to >= rollback.From ? $"rollback.to ({to}) must be below rollback.from ({rollback.From})"
        : rollback.To is { } release && model?.Release != release ? $"rollback.to ({release}) must be the release model names ({model?.Release.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "none"})"
        : rollback.To is null && model is not null ? "a rollback to the configured model (rollback.to null) names no model"
        : null;

    private static string? ValidateAgent(AgentTarget agent) =>
        !IsSemanticVersion(agent.Version) ? $"agent.version '{agent.Version}' is not a semantic version (e.g. 1.4.0)"
        : !IsSha256(agent.Sha256) ? "agent.sha256 must be 64 lowercase hex digits"
        : agent.Size <= 0 ? $"agent.size must be positive, got {agent.Size}"
        : !Uri.TryCreate(agent.Url, UriKind.Absolute, out var url) || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps)
            ? $"agent.url '{agent.Url}' is not an absolute http(s) URL"
        : null;

    private static bool IsSemanticVersion(string? value) =>
        value is not null && System.Text.RegularExpressions.Regex.IsMatch(
            value, @"^(0|[1-9]\d{0,8})\.(0|[1-9]\d{0,8})\.(0|[1-9]\d{0,8})(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$", System.Text.RegularExpressions.RegexOptions.None, TimeSpan.FromSeconds(1));

    private static bool IsSha256(string? value) =>
        value is { Length: 64 } && value.All(c => c is (>= '0' and <= '9') or (>= 'a' and <= 'f'));

    private static bool Accept<T>(ref T? value, string error)
        where T : class
    {
        if (error.Length == 0)
        {
            return true;
        }

        // A value that failed validation must not escape: callers only see null on failure.
        value = null;
        return false;
    }

    private static bool TryDeserialize<T>(
        ReadOnlySpan<byte> json,
        System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> typeInfo,
        [NotNullWhen(true)] out T? value,
        out string error)
        where T : class
    {
        value = null;
        if (json.IsEmpty)
        {
            error = "payload is empty";
            return false;
        }

        // Check the schema version first, so a future v2 payload is reported as such rather than
        // as whatever v1 field it happens to lack.
        try
        {
            var reader = new Utf8JsonReader(json);
            using var document = JsonDocument.ParseValue(ref reader);
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                error = "payload is not a JSON object";
                return false;
            }

            if (!document.RootElement.TryGetProperty("schemaVersion", out var schema) || schema.ValueKind != JsonValueKind.Number)
            {
                error = "schemaVersion is missing";
                return false;
            }

            if (!schema.TryGetInt32(out var version) || version != SchemaVersion)
            {
                error = $"schemaVersion {schema.GetRawText()} is not supported (this device reads {SchemaVersion})";
                return false;
            }

            value = document.RootElement.Deserialize(typeInfo);
        }
        catch (JsonException ex)
        {
            error = $"payload is not valid JSON for {typeof(T).Name}: {ex.Message}";
            return false;
        }

        if (value is null)
        {
            error = "payload is null";
            return false;
        }

        error = string.Empty;
        return true;
    }
}

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    RespectRequiredConstructorParameters = true,
    RespectNullableAnnotations = true)]
[JsonSerializable(typeof(DesiredState))]
[JsonSerializable(typeof(SignedDesiredState))]
[JsonSerializable(typeof(ReportedState))]
[JsonSerializable(typeof(DeviceStatus))]
[JsonSerializable(typeof(DeviceEvent))]
[JsonSerializable(typeof(OtaProgress))]
[JsonSerializable(typeof(ReviewVerdict))]
[JsonSerializable(typeof(SignedReviewVerdict))]
internal sealed partial class MqttJsonContext : JsonSerializerContext;
