using Inspection.Contracts.Rollouts;
using Spectre.Console;

namespace Inspection.OperatorCli.Rollouts;

/// <summary>
/// <c>rollout status --watch</c>: the rollout refreshed every interval until it ends. On a terminal the tables redraw
/// in place (a Spectre.Console live display); redirected, each refresh prints a fresh snapshot below the last.
/// </summary>
public static class RolloutWatch
{
    /// <returns>
    /// 0 when the rollout completed; 5 when it halted, was cancelled or superseded; the API's exit code when it refused
    /// (the rollout is gone); after Ctrl+C, 0, or 1 when the last refresh failed.
    /// </returns>
    public static async Task<int> RunAsync(
        CliConsole console, CloudApiClient client, string path, TimeSpan interval, bool json, CancellationToken cancellationToken)
    {
        if (console.IsInteractive && !json)
        {
            var live = console.Ansi.Live(new Text($"Reading {path} …"));
            live.AutoClear = false;
            return await live.StartAsync(context => LoopAsync(
                console,
                client,
                path,
                interval,
                answer =>
                {
                    context.UpdateTarget(RolloutOutput.Render(answer.Value));
                    context.Refresh();
                    return Task.CompletedTask;
                },
                cancellationToken)).ConfigureAwait(false);
        }

        return await LoopAsync(
            console,
            client,
            path,
            interval,
            async answer =>
            {
                if (json)
                {
                    await ApiCommand.WriteJsonAsync(console, answer.Json, cancellationToken).ConfigureAwait(false);
                    return;
                }

                await console.Output.WriteLineAsync($"--- {console.Time.GetUtcNow():u} ---".AsMemory(), cancellationToken).ConfigureAwait(false);
                console.Ansi.Write(RolloutOutput.Render(answer.Value));
            },
            cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The exit code a watch ends with in <paramref name="state"/>, or null while the rollout goes on.</summary>
    public static int? EndOf(string state) => state switch
    {
        RolloutStates.Completed => ExitCodes.Ok,
        RolloutStates.Halted or RolloutStates.Cancelled or RolloutStates.Superseded => ExitCodes.RolloutStopped,
        _ => null,
    };

    private static async Task<int> LoopAsync(
        CliConsole console,
        CloudApiClient client,
        string path,
        TimeSpan interval,
        Func<ApiAnswer<RolloutView>, Task> show,
        CancellationToken cancellationToken)
    {
        var exitCode = ExitCodes.Ok;
        while (true)
        {
            // The next tick is armed before the refresh, so refreshes start on the interval however long the API takes.
            using var tick = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var next = Task.Delay(interval, console.Time, tick.Token);
            try
            {
                var answer = await client.GetAsync<RolloutView>(path, cancellationToken).ConfigureAwait(false);
                await show(answer).ConfigureAwait(false);
                if (EndOf(answer.Value.State) is { } end)
                {
                    await tick.CancelAsync().ConfigureAwait(false);
                    return end;
                }

                exitCode = ExitCodes.Ok;
            }
            catch (CloudApiException ex) when (ex.StatusCode < 500)
            {
                // Not found, or refused: waiting will not change that.
                await tick.CancelAsync().ConfigureAwait(false);
                throw;
            }
            catch (CloudApiException ex)
            {
                await ApiCommand.WriteRefusalAsync(console, ex, cancellationToken).ConfigureAwait(false);
                exitCode = ExitCodes.Failed;
            }
            catch (Exception ex) when (ApiCommand.IsUnreachable(ex, cancellationToken))
            {
                // A cloud restart during a long rollout: keep watching.
                await ApiCommand.WriteUnreachableAsync(console, client.BaseAddress, ex, cancellationToken).ConfigureAwait(false);
                exitCode = ExitCodes.Failed;
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return exitCode;
            }

            try
            {
                await next.ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return exitCode;
            }
        }
    }
}
