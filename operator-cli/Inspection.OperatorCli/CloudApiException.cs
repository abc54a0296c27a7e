namespace Inspection.OperatorCli;

/// <summary>The cloud's JSON API answered, but refused the request or failed; the message is its <c>error</c> text.</summary>
public sealed class CloudApiException(int statusCode, string message)
    : Exception($"HTTP {statusCode}: {message}")
{
    public int StatusCode { get; } = statusCode;

    public int ExitCode => ExitCodes.ForStatus(StatusCode);
}
