using System.ComponentModel.DataAnnotations;

namespace Inspection.CloudInference.Accounts;

/// <summary>Sign-in to the page and the JSON API. Bound from <c>Cloud:Accounts</c>.</summary>
public sealed class AccountOptions
{
    public const string SectionName = "Cloud:Accounts";

    /// <summary>
    /// How long a sign-in on the page lasts without use, in minutes; each use within the second half renews it. Key
    /// <c>Cloud:Accounts:CookieMinutes</c>, default 480 (a shift).
    /// </summary>
    [Range(5, 43200, ErrorMessage = "Cloud:Accounts:CookieMinutes must be between 5 and 43200 (30 days).")]
    public int CookieMinutes { get; set; } = 480;

    /// <summary>
    /// Send the sign-in cookie over HTTPS only. Key <c>Cloud:Accounts:SecureCookie</c>, default false, because the page
    /// is served over plain HTTP on the plant network (<c>Cloud:HttpUrl</c>); set true behind a TLS proxy.
    /// </summary>
    public bool SecureCookie { get; set; }

    /// <summary>Shortest password accepted for a new account or a reset. Key <c>Cloud:Accounts:MinPasswordLength</c>, default 10.</summary>
    [Range(6, 128, ErrorMessage = "Cloud:Accounts:MinPasswordLength must be between 6 and 128.")]
    public int MinPasswordLength { get; set; } = 10;

    /// <summary>
    /// Failed sign-ins for one account name, or from one client address, within <see cref="SignInWindowSeconds"/>
    /// after which further sign-ins for that name or from that address are refused with 429 (the right password too)
    /// until the oldest failure leaves the window. Key <c>Cloud:Accounts:SignInFailuresPerWindow</c>, default 5.
    /// </summary>
    [Range(1, 1000, ErrorMessage = "Cloud:Accounts:SignInFailuresPerWindow must be between 1 and 1000.")]
    public int SignInFailuresPerWindow { get; set; } = 5;

    /// <summary>
    /// The sliding window failed sign-ins are counted over, in seconds. Key <c>Cloud:Accounts:SignInWindowSeconds</c>,
    /// default 300 (five minutes: a person who mistyped waits a little, a guesser gets five tries per five minutes).
    /// </summary>
    [Range(1, 86400, ErrorMessage = "Cloud:Accounts:SignInWindowSeconds must be between 1 and 86400 (a day).")]
    public int SignInWindowSeconds { get; set; } = 300;
}
