namespace Inspection.Contracts.Api.Accounts;

/// <summary>An account as <c>/api/accounts</c> shows it; never its password or tokens.</summary>
/// <param name="Name">The name it signs in with.</param>
/// <param name="Role"><c>operator</c>, <c>engineer</c> or <c>admin</c>.</param>
/// <param name="CreatedAt">When it was created.</param>
/// <param name="CreatedBy">Who created it (an account name, or <c>command line</c>).</param>
/// <param name="DisabledAt">When it was disabled; null while it may sign in.</param>
public sealed record AccountView(string Name, string Role, DateTimeOffset CreatedAt, string CreatedBy, DateTimeOffset? DisabledAt);
