using System.CommandLine;
using Inspection.Contracts.Api;

namespace Inspection.OperatorCli.Fleet;

/// <summary>
/// <c>fleet</c>: the fleet and the escalation totals (<c>GET /api/fleet</c>, <c>GET /api/summary</c>), once or watched.
/// Exits <see cref="ExitCodes.Conflict"/> when the last refresh shows a device in conflict, so a script notices.
/// </summary>
public static class FleetCommand
{
    public static Command Create(CliConsole console)
    {
        var api = ApiCommand.ApiOption(console);
        var json = ApiCommand.JsonOption();
        json.Description = "Print {\"fleet\": …, \"summary\": …, \"parts\": …, \"backlog\": …} as the API answered them (indented) instead of the table.";
        var watch = new Option<bool>("--watch") { Description = "Refresh until stopped (Ctrl+C) or until --duration has passed." };
        var interval = IntervalOption();
        var duration = NumberOption.Optional<double>("--duration", "Stop watching after this many seconds.", seconds => seconds > 0, "more than 0 seconds");
        var command = new Command("fleet", "Print the fleet and escalation totals; exits 6 when a device is in conflict with its desired state.") { api, json, watch, interval, duration };
        command.SetAction((parse, cancellationToken) => RunAsync(
            console,
            ApiCommand.Target(console, parse, api),
            parse.GetValue(json),
            parse.GetValue(watch),
            TimeSpan.FromSeconds(parse.GetValue(interval)),
            parse.GetValue(duration) is { } seconds ? TimeSpan.FromSeconds(seconds) : null,
            cancellationToken));
        return command;
    }

    /// <summary><c>--interval</c> of a watch, 0.1 to 3600 seconds (default 2).</summary>
    public static Option<double> IntervalOption() =>
        NumberOption.WithDefault("--interval", "Seconds between refreshes with --watch.", 2.0, seconds => seconds is >= 0.1 and <= 3600, "between 0.1 and 3600 seconds");

    private static Task<int> RunAsync(
        CliConsole console, ApiTarget api, bool json, bool watch, TimeSpan interval, TimeSpan? duration, CancellationToken cancellationToken) =>
        ApiCommand.RunAsync(console, api, async client =>
        {
            var time = console.Time;
            var started = time.GetTimestamp();
            var exitCode = ExitCodes.Ok;
            while (true)
            {
                // The next tick is armed before the refresh, so refreshes start on the interval
                // however long the API takes to answer.
                using var tick = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                var next = watch ? Task.Delay(interval, time, tick.Token) : Task.CompletedTask;
                try
                {
                    var fleet = await client.GetAsync<FleetSnapshot>("api/fleet", cancellationToken).ConfigureAwait(false);
                    var summary = await client.GetAsync<EscalationSummary>("api/summary", cancellationToken).ConfigureAwait(false);
                    var parts = await PartTotalsAsync(client, cancellationToken).ConfigureAwait(false);
                    var backlog = await BacklogAsync(client, cancellationToken).ConfigureAwait(false);
                    if (json)
                    {
                        await ApiCommand.WriteJsonAsync(console, new { fleet = fleet.Json, summary = summary.Json, parts = parts?.Json, backlog = backlog?.Json }, cancellationToken).ConfigureAwait(false);
                    }
                    else
                    {
                        if (watch)
                        {
                            await console.Output.WriteLineAsync($"--- {time.GetUtcNow():u} ---".AsMemory(), cancellationToken).ConfigureAwait(false);
                        }

                        FleetTable.Write(console.Output, fleet.Value, summary.Value, parts?.Value, backlog?.Value);
                    }

                    exitCode = fleet.Value.Devices.Any(d => d.Conflict is not null) ? ExitCodes.Conflict : ExitCodes.Ok;
                }
                catch (CloudApiException ex)
                {
                    await ApiCommand.WriteRefusalAsync(console, ex, cancellationToken).ConfigureAwait(false);
                    exitCode = ex.ExitCode;
                }
                catch (Exception ex) when (ApiCommand.IsUnreachable(ex, cancellationToken))
                {
                    await ApiCommand.WriteUnreachableAsync(console, client.BaseAddress, ex, cancellationToken).ConfigureAwait(false);
                    exitCode = ExitCodes.Failed;
                }
                catch (OperationCanceledException) when (watch)
                {
                    return exitCode;
                }

                if (!watch || (duration is { } limit && time.GetElapsedTime(started) + interval > limit))
                {
                    await tick.CancelAsync().ConfigureAwait(false);
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
        }, cancellationToken);

    // A cloud that predates the review workspace answers 404: the backlog columns show "-".
    private static async Task<ApiAnswer<List<LineBacklog>>?> BacklogAsync(CloudApiClient client, CancellationToken cancellationToken)
    {
        try
        {
            return await client.GetAsync<List<LineBacklog>>("api/review/backlog", cancellationToken).ConfigureAwait(false);
        }
        catch (CloudApiException ex) when (ex.StatusCode == 404)
        {
            return null;
        }
    }

    // A cloud that predates parts answers 404: the table goes without its parts line rather than failing.
    private static async Task<ApiAnswer<PartTotals>?> PartTotalsAsync(CloudApiClient client, CancellationToken cancellationToken)
    {
        try
        {
            return await client.GetAsync<PartTotals>("api/summary/parts", cancellationToken).ConfigureAwait(false);
        }
        catch (CloudApiException ex) when (ex.StatusCode == 404)
        {
            return null;
        }
    }
}
