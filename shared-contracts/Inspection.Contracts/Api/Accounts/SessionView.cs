namespace Inspection.Contracts.Api.Accounts;

/// <summary>Who is signed in (<c>GET /api/session</c>), and what the page needs to send changes.</summary>
/// <param name="Name">The account name.</param>
/// <param name="Role"><c>operator</c>, <c>engineer</c> or <c>admin</c>.</param>
/// <param name="Via"><c>cookie</c> (signed in on the page) or <c>token</c> (an API token).</param>
/// <param name="AntiforgeryHeader">The header a cookie-signed-in request that changes something must carry; null for a token.</param>
/// <param name="AntiforgeryToken">The value for that header; null for a token.</param>
public sealed record SessionView(string Name, string Role, string Via, string? AntiforgeryHeader, string? AntiforgeryToken);
