namespace Inspection.Contracts.Api.Accounts;

/// <summary>Body of <c>PUT /api/accounts/{name}/password</c>.</summary>
/// <param name="Password">The new password.</param>
public sealed record SetPasswordRequest(string? Password);
