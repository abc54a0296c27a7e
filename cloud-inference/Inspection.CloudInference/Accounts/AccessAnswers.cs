using Inspection.Contracts.Api;

namespace Inspection.CloudInference.Accounts;

/// <summary>The JSON API's refusals for sign-in and roles, in the shape of every other error (<see cref="ApiError"/>).</summary>
internal static class AccessAnswers
{
    public const string NotSignedIn =
        "not signed in: sign in on the page, or send an API token as 'Authorization: Bearer <token>' (operator-cli --token)";

    public static string Forbidden(HttpContext context) =>
        $"account '{context.User.Actor()}' ({string.Join(", ", context.User.FindAll(System.Security.Claims.ClaimTypes.Role).Select(c => c.Value))}) "
        + "may not do this: ask an admin for a role that may";

    public static Task WriteAsync(HttpContext context, int status, string error)
    {
        context.Response.StatusCode = status;
        return context.Response.WriteAsJsonAsync(new ApiError(error), context.RequestAborted);
    }
}
