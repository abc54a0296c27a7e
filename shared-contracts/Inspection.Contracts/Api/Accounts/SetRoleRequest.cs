namespace Inspection.Contracts.Api.Accounts;

/// <summary>Body of <c>PUT /api/accounts/{name}/role</c>.</summary>
/// <param name="Role"><c>operator</c>, <c>engineer</c> or <c>admin</c>.</param>
public sealed record SetRoleRequest(string? Role);
