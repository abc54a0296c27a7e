using System.Net;
using System.Text.Json;

namespace Inspection.OperatorCli;

/// <summary>A successful answer of the API: the body read as its contract type, and as the JSON it was.</summary>
/// <param name="Value">The body as the contract type.</param>
/// <param name="Json">The body exactly as the API sent it (for <c>--json</c>: fields this CLI does not know survive).</param>
/// <param name="Status">The HTTP status (200 and 202 mean different things for a desired mode).</param>
public sealed record ApiAnswer<T>(T Value, JsonElement Json, HttpStatusCode Status);
