namespace Inspection.CloudInference.Accounts;

/// <summary>
/// Endpoint metadata: a request without an account gets 401, not a redirect to the sign-in page. For endpoints that
/// programs call outside <c>/api</c> (the Prometheus scrape endpoint), where a redirect to a form helps no one.
/// </summary>
public sealed class NoSignInPage;
