namespace Inspection.OperatorCli;

/// <summary>Where a command sends its requests and with which API token.</summary>
/// <param name="Api">The API's base URL (<c>--api</c>).</param>
/// <param name="Token">The bearer token (<c>--token</c>, <c>--token-file</c> or <c>INSPECTION_TOKEN</c>); null sends none.</param>
/// <param name="Problem">Why no token could be read (an unreadable <c>--token-file</c>); null when none is missing.</param>
public sealed record ApiTarget(string Api, string? Token, string? Problem = null);
