namespace Inspection.EndToEnd.Tests.Infrastructure;

internal static class Eventually
{
    /// <summary>
    /// Polls until the condition holds; on time-out fails with the last observation and the processes'
    /// output, which is what one needs to see why a distributed scenario stalled.
    /// </summary>
    public static async Task<T> WaitAsync<T>(
        string what,
        Func<CancellationToken, Task<T>> observe,
        Func<T, bool> condition,
        TimeSpan timeout,
        CancellationToken cancellationToken,
        params ServiceProcess?[] processes)
    {
        var deadline = DateTime.UtcNow + timeout;
        T last = default!;
        Exception? lastError = null;
        while (DateTime.UtcNow < deadline)
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
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or InvalidOperationException or KeyNotFoundException)
            {
                lastError = ex;
            }

            foreach (var process in processes)
            {
                if (process is { HasExited: true })
                {
                    Assert.Fail($"{process.Name} exited with code {process.ExitCode} while waiting for {what}.{Environment.NewLine}{process}");
                }
            }

            await Task.Delay(250, cancellationToken);
        }

        var output = string.Join(Environment.NewLine, processes.Where(p => p is not null).Select(p => p!.ToString()));
        Assert.Fail($"Timed out after {timeout.TotalSeconds:0} s waiting for {what}. Last observation: {last} {lastError?.Message}{Environment.NewLine}{output}");
        return last;
    }
}
