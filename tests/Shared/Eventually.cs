using System.Diagnostics;

namespace Inspection.Tests.Shared;

/// <summary>
/// The suite's one way to wait: poll an observation until a condition holds, with a bounded timeout, instead of
/// sleeping a guessed time. A timeout only bounds a failure, so it is generous (a loaded machine is slow, not
/// wrong); a passing wait returns as soon as the condition holds. On time-out it fails with the last observation
/// (or the last error observing it) and whatever the watched parts have to say.
/// </summary>
internal static class Eventually
{
    /// <summary>The timeout when none is given.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(30);

    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(50);

    /// <summary>Waits until <paramref name="condition"/> is true.</summary>
    public static Task UntilAsync(Func<bool> condition, string what, TimeSpan? timeout = null) =>
        WaitAsync(what, _ => Task.FromResult(condition()), done => done, timeout ?? DefaultTimeout, TestContext.Current.CancellationToken);

    /// <summary>
    /// Observes until <paramref name="condition"/> holds for an observation, and returns it. An observation that
    /// throws (a service still starting, a file still locked) counts as not yet; the error is kept for the message.
    /// Fails at once when a watched part stops (<see cref="IWatched.Stopped"/>), since waiting longer cannot help.
    /// </summary>
    public static async Task<T> WaitAsync<T>(
        string what,
        Func<CancellationToken, Task<T>> observe,
        Func<T, bool> condition,
        TimeSpan timeout,
        CancellationToken cancellationToken,
        params IWatched?[] watched)
    {
        var clock = Stopwatch.StartNew();
        T last = default!;
        Exception? lastError = null;
        while (true)
        {
            try
            {
                last = await observe(cancellationToken);
                lastError = null;
                if (condition(last))
                {
                    return last;
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                if (ex is Xunit.Sdk.IAssertionException)
                {
                    throw;
                }

                lastError = ex;
            }

            foreach (var part in watched)
            {
                if (part?.Stopped is { } reason)
                {
                    Assert.Fail($"{reason} while waiting for {what}.{Environment.NewLine}{part}");
                }
            }

            if (clock.Elapsed > timeout)
            {
                var details = string.Join(Environment.NewLine, watched.Where(p => p is not null).Select(p => p!.ToString()));
                var observation = lastError is null ? $"last observation: {last}" : $"last error: {lastError.GetType().Name}: {lastError.Message}";
                Assert.Fail($"Timed out after {timeout.TotalSeconds:0} s waiting for {what}; {observation}{Environment.NewLine}{details}");
            }

            await Task.Delay(Interval, cancellationToken);
        }
    }
}
