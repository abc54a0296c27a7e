namespace Inspection.Contracts.Api;

/// <summary>The body of every 4xx/5xx answer of the JSON API: what went wrong, in plain words.</summary>
public sealed record ApiError(string Error);
