namespace Inspection.Contracts.Api.Accounts;

/// <summary>Body of <c>POST /api/accounts/{name}/tokens</c>.</summary>
/// <param name="Name">What the token is for (e.g. <c>nightly-export</c>); default <c>token</c>.</param>
public sealed record IssueTokenRequest(string? Name);
