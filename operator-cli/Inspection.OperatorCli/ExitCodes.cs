namespace Inspection.OperatorCli;

/// <summary>What the process's exit code tells a script.</summary>
public static class ExitCodes
{
    /// <summary>Done.</summary>
    public const int Ok = 0;

    /// <summary>The API is unreachable, or failed (5xx, an unreadable answer).</summary>
    public const int Failed = 1;

    /// <summary>Bad arguments: the command line did not parse, or the API refused the input (400; an upload also 413, 422).</summary>
    public const int BadArguments = 2;

    /// <summary>What was named does not exist (404).</summary>
    public const int NotFound = 3;

    /// <summary>Refused in the current state (409): pausing a completed rollout, a release registered twice.</summary>
    public const int Refused = 4;

    /// <summary><c>rollout status --watch</c> ended because the rollout halted, was cancelled or was superseded.</summary>
    public const int RolloutStopped = 5;

    /// <summary>
    /// A device and the cloud disagree about its desired state: <c>set-mode --wait</c> saw the device reject the state
    /// or not apply it within <c>--timeout</c>; <c>fleet</c> shows at least one device in conflict.
    /// </summary>
    public const int Conflict = 6;

    /// <summary>
    /// Not signed in or not allowed: no token, an unknown, revoked or disabled one (401), or an account whose role may not
    /// do this (403).
    /// </summary>
    public const int NotAuthorized = 7;

    /// <summary>The list for <c>--help</c>.</summary>
    public const string Help =
        "Exit codes: 0 done; 1 the API is unreachable or failed (network error, 5xx); 2 bad arguments (or the API " +
        "refused the input: 400, and for an upload 413 or 422); 3 not found (404); 4 refused in the current state " +
        "(409); 5 'rollout status --watch' ended because the rollout halted, was cancelled or superseded (0 when it completed); " +
        "6 conflict: 'set-mode --wait' saw the device reject the state or not apply it within --timeout, or 'fleet' shows a device in conflict; " +
        "7 not signed in or not allowed (401: no valid token; 403: your account's role may not do this).";

    /// <summary>The exit code for an HTTP status the API refused a request with.</summary>
    public static int ForStatus(int status) => status switch
    {
        400 or 413 or 415 or 422 => BadArguments,
        404 => NotFound,
        409 => Refused,
        401 or 403 => NotAuthorized,
        _ => Failed,
    };
}
