namespace Inspection.CloudInference.Cli;

/// <summary>The cloud's JSON API answered, but refused the request.</summary>
public sealed class CloudApiException(int statusCode, string message)
    : Exception($"HTTP {statusCode}: {message}")
{
    public int StatusCode { get; } = statusCode;

    public bool IsBadRequest => StatusCode == 400;
}
