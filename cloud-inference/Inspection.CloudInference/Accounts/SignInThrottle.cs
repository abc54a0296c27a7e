using Microsoft.Extensions.Options;

namespace Inspection.CloudInference.Accounts;

/// <summary>
/// Counts failed sign-ins per account name and per client address over a sliding window
/// (<see cref="AccountOptions.SignInFailuresPerWindow"/> within <see cref="AccountOptions.SignInWindowSeconds"/>); once
/// either count reaches the limit, every sign-in for that name or from that address is refused, the right password too,
/// until enough failures have left the window.
/// </summary>
/// <remarks>
/// Not ASP.NET Core's rate limiter: it partitions a request before the endpoint runs, so it cannot key on a name read
/// from the body, it counts every request instead of failed ones, and its windows run on its own timer instead of
/// <see cref="TimeProvider"/>. Refused attempts are not counted, so a steady attack does not extend its own lockout
/// and the account's owner can sign in again once the window passes. The counts live in memory: a restart clears them.
/// </remarks>
public sealed partial class SignInThrottle
{
    // Bounds the memory a flood from very many addresses can take; the oldest failures go first.
    private const int MaxTrackedFailures = 100_000;

    private readonly Lock _gate = new();

    // Oldest first: failures are appended as they happen and the clock does not run backwards.
    private readonly List<Failure> _failures = [];

    // The name or address keys whose limit has been logged, until when: one log line per key and window.
    private readonly Dictionary<string, DateTimeOffset> _logged = new(StringComparer.Ordinal);

    private readonly TimeProvider _time;
    private readonly ILogger<SignInThrottle> _logger;
    private readonly int _limit;
    private readonly TimeSpan _window;

    public SignInThrottle(IOptions<AccountOptions> options, TimeProvider time, ILogger<SignInThrottle> logger)
    {
        _time = time;
        _logger = logger;
        _limit = options.Value.SignInFailuresPerWindow;
        _window = TimeSpan.FromSeconds(options.Value.SignInWindowSeconds);
    }

    /// <summary>The key a client address is counted under (an IPv4 address mapped into IPv6 as IPv4).</summary>
    public static string AddressOf(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var address = context.Connection.RemoteIpAddress;
        return address is null ? "unknown" : (address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address).ToString();
    }

    /// <summary>
    /// How long a sign-in for <paramref name="name"/> from <paramref name="address"/> must wait, and when it may try
    /// again; null when it may try now.
    /// </summary>
    public SignInLimit? Check(string? name, string address)
    {
        var key = NameKey(name);
        lock (_gate)
        {
            var now = _time.GetUtcNow();
            Prune(now);
            return Limit(key, address, now);
        }
    }

    /// <summary>Counts a failed sign-in (a wrong password, an unknown name or a disabled account).</summary>
    public void Failed(string? name, string address)
    {
        var key = NameKey(name);
        lock (_gate)
        {
            var now = _time.GetUtcNow();
            Prune(now);
            if (_failures.Count >= MaxTrackedFailures)
            {
                _failures.RemoveAt(0);
            }

            _failures.Add(new Failure(now, key, address));
            Limit(key, address, now);
        }
    }

    /// <summary>
    /// Forgets the failures of this name from this address only: someone who mistyped and then got it right starts
    /// afresh, while failures for the name from other addresses, and this address's failures on other names, still count.
    /// </summary>
    public void Succeeded(string? name, string address)
    {
        var key = NameKey(name);
        lock (_gate)
        {
            _failures.RemoveAll(f => f.Name == key && f.Address == address);
        }
    }

    private static string NameKey(string? name) => (name ?? string.Empty).Trim().ToLowerInvariant();

    // Under the lock. Null when neither the name nor the address has reached the limit; logs a limit once per window.
    private SignInLimit? Limit(string name, string address, DateTimeOffset now)
    {
        var byName = Until(f => f.Name == name);
        var byAddress = Until(f => f.Address == address);
        if (byName is null && byAddress is null)
        {
            return null;
        }

        var until = Max(byName, byAddress);
        var what = byName is not null && byAddress is not null ? "name and address" : byName is not null ? "name" : "address";
        var keys = (byName is null ? [] : new[] { "name:" + name }).Concat(byAddress is null ? [] : ["address:" + address]).ToList();
        if (keys.Any(k => !_logged.TryGetValue(k, out var logged) || logged <= now))
        {
            foreach (var k in keys)
            {
                _logged[k] = now + _window;
            }

            Log.Limited(_logger, name, address, what, _limit, (int)_window.TotalSeconds, until);
        }

        return new SignInLimit(until - now, until);
    }

    // When the failures matching the key drop below the limit again: when the oldest one that keeps it there leaves
    // the window. Null when they are below it already.
    private DateTimeOffset? Until(Func<Failure, bool> key)
    {
        var matching = _failures.Where(key).ToList();
        return matching.Count < _limit ? null : matching[matching.Count - _limit].At + _window;
    }

    private static DateTimeOffset Max(DateTimeOffset? a, DateTimeOffset? b) =>
        a is { } x && b is { } y ? (x > y ? x : y) : (a ?? b)!.Value;

    private void Prune(DateTimeOffset now)
    {
        var expired = _failures.FindIndex(f => f.At + _window > now);
        _failures.RemoveRange(0, expired < 0 ? _failures.Count : expired);
        foreach (var key in _logged.Where(l => l.Value <= now).Select(l => l.Key).ToList())
        {
            _logged.Remove(key);
        }
    }

    private readonly record struct Failure(DateTimeOffset At, string Name, string Address);

    private static partial class Log
    {
        [LoggerMessage(EventId = 3200, Level = LogLevel.Warning,
            Message = "Sign-in limited for '{Name}' from {Address} (by {LimitedBy}): {Failures} failed sign-ins within {WindowSeconds} s; refused until {Until:u}")]
        public static partial void Limited(ILogger logger, string name, string address, string limitedBy, int failures, int windowSeconds, DateTimeOffset until);
    }
}
