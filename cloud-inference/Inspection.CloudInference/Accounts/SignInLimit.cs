using System.Globalization;

namespace Inspection.CloudInference.Accounts;

/// <summary>A sign-in refused by <see cref="SignInThrottle"/>: how long to wait, and until when.</summary>
public sealed record SignInLimit(TimeSpan RetryAfter, DateTimeOffset Until)
{
    /// <summary>Whole seconds to wait, rounded up, as the <c>Retry-After</c> header gives them.</summary>
    public int RetryAfterSeconds => Math.Max(1, (int)Math.Ceiling(RetryAfter.TotalSeconds));

    /// <summary>The answer's text: what happened and when to try again.</summary>
    public string Message => string.Create(
        CultureInfo.InvariantCulture,
        $"too many failed sign-ins for this name or from this address: try again in {RetryAfterSeconds} s (after {Until.UtcDateTime:yyyy-MM-dd HH:mm:ss} UTC)");
}
