namespace Inspection.Contracts.Api.Accounts;

/// <summary>Body of <c>POST /api/accounts</c>.</summary>
/// <param name="Name">Letters, digits and <c>. - _ @</c>, up to 64 characters; unique whatever the case.</param>
/// <param name="Role"><c>operator</c>, <c>engineer</c> or <c>admin</c>.</param>
/// <param name="Password">At least <c>Cloud:Accounts:MinPasswordLength</c> characters.</param>
public sealed record CreateAccountRequest(string? Name, string? Role, string? Password);
