namespace Inspection.Contracts.Api.Accounts;

/// <summary>An API token as <c>/api/accounts/{name}/tokens</c> shows it.</summary>
/// <param name="Id">The short id to revoke it by.</param>
/// <param name="Name">What it is for.</param>
/// <param name="CreatedAt">When it was issued.</param>
/// <param name="CreatedBy">Who issued it.</param>
/// <param name="LastUsedAt">When it last signed a request in (to the minute); null if never.</param>
/// <param name="RevokedAt">When it was revoked; null while it works.</param>
/// <param name="Token">The token itself: only in the answer that issued it, never again.</param>
public sealed record TokenView(
    string Id, string Name, DateTimeOffset CreatedAt, string CreatedBy, DateTimeOffset? LastUsedAt, DateTimeOffset? RevokedAt, string? Token = null);
