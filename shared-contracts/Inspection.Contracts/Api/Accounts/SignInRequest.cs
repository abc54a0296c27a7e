namespace Inspection.Contracts.Api.Accounts;

/// <summary>Body of <c>POST /api/session</c>, the page's sign-in.</summary>
/// <param name="Name">The account name.</param>
/// <param name="Password">Its password.</param>
public sealed record SignInRequest(string? Name, string? Password);
