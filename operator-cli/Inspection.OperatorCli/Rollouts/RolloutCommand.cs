using System.CommandLine;
using Inspection.Contracts.Rollouts;
using Inspection.OperatorCli.Fleet;

namespace Inspection.OperatorCli.Rollouts;

/// <summary><c>rollout start|list|status|pause|resume|cancel</c>: model rollouts over the fleet (<c>/api/rollouts</c>).</summary>
public static class RolloutCommand
{
    public static Command Create(CliConsole console) =>
        new("rollout", "Roll a model release out to devices in waves, and follow, pause, resume or cancel it.")
        {
            RolloutStartCommand.Create(console),
            List(console),
            Status(console),
            Action(console, "pause", "Pause: no device starts; devices already updating finish."),
            Action(console, "resume", "Resume a paused or halted rollout."),
            Action(console, "cancel", "Cancel: devices not started get nothing; devices updating are rolled back."),
        };

    /// <summary>The path of a rollout, or of one of its actions.</summary>
    public static string Path(string id, string? action = null) =>
        $"api/rollouts/{Uri.EscapeDataString(id)}{(action is null ? string.Empty : "/" + action)}";

    private static Command List(CliConsole console)
    {
        var api = ApiCommand.ApiOption(console);
        var json = ApiCommand.JsonOption();
        var command = new Command("list", "List the rollouts, newest first.") { api, json };
        command.SetAction((parse, cancellationToken) => ApiCommand.RunAsync(console, ApiCommand.Target(console, parse, api), async client =>
        {
            var answer = await client.GetAsync<List<RolloutSummary>>("api/rollouts", cancellationToken).ConfigureAwait(false);
            if (parse.GetValue(json))
            {
                await ApiCommand.WriteJsonAsync(console, answer.Json, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                console.Ansi.Write(RolloutOutput.Render(answer.Value));
            }

            return ExitCodes.Ok;
        }, cancellationToken));
        return command;
    }

    private static Command Status(CliConsole console)
    {
        var id = new Argument<string>("id") { Description = "The rollout's id." };
        var watch = new Option<bool>("--watch")
        {
            Description = "Follow it live until it completes (exit 0), halts, is cancelled or superseded (exit 5), or Ctrl+C.",
        };
        var interval = FleetCommand.IntervalOption();
        var api = ApiCommand.ApiOption(console);
        var json = ApiCommand.JsonOption();
        var command = new Command("status", "Show a rollout: its waves and every device in it.") { id, watch, interval, api, json };
        command.SetAction((parse, cancellationToken) => ApiCommand.RunAsync(console, ApiCommand.Target(console, parse, api), async client =>
        {
            var path = Path(parse.GetRequiredValue(id));
            if (parse.GetValue(watch))
            {
                return await RolloutWatch.RunAsync(
                    console, client, path, TimeSpan.FromSeconds(parse.GetValue(interval)), parse.GetValue(json), cancellationToken).ConfigureAwait(false);
            }

            var answer = await client.GetAsync<RolloutView>(path, cancellationToken).ConfigureAwait(false);
            return await RolloutOutput.WriteAsync(console, answer, parse.GetValue(json), cancellationToken).ConfigureAwait(false);
        }, cancellationToken));
        return command;
    }

    private static Command Action(CliConsole console, string action, string description)
    {
        var id = new Argument<string>("id") { Description = "The rollout's id." };
        var reason = new Option<string?>("--reason") { Description = "Why, for the record." };
        var api = ApiCommand.ApiOption(console);
        var json = ApiCommand.JsonOption();
        var command = new Command(action, description) { id, reason, api, json };
        command.SetAction((parse, cancellationToken) => ApiCommand.RunAsync(console, ApiCommand.Target(console, parse, api), async client =>
        {
            var answer = await client.PostAsync<RolloutAction, RolloutView>(
                Path(parse.GetRequiredValue(id), action),
                new RolloutAction(parse.GetValue(reason)),
                cancellationToken).ConfigureAwait(false);
            return await RolloutOutput.WriteAsync(console, answer, parse.GetValue(json), cancellationToken).ConfigureAwait(false);
        }, cancellationToken));
        return command;
    }
}
