using System.Text.Json;
using System.Text.Json.Nodes;

namespace Inspection.OperatorCli.Tests.Infrastructure;

/// <summary>One request as <see cref="RecordingRolloutApi"/> received it.</summary>
public sealed record RecordedRequest(string Method, string Path, string Body)
{
    public T? BodyAs<T>() => Body.Length == 0 ? default : JsonSerializer.Deserialize<T>(Body, JsonSerializerOptions.Web);

    /// <summary>The body as JSON, to check names on the wire (camelCase) rather than what a lenient reader accepts.</summary>
    public JsonNode Json => JsonNode.Parse(Body) ?? throw new InvalidOperationException($"{Method} {Path} had the body null");
}
