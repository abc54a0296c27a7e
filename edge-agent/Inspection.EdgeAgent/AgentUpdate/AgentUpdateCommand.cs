using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Inspection.EdgeAgent.AgentUpdate;

/// <summary>
/// <c>Inspection.EdgeAgent apply-agent-update [--Section:Key=value …]</c>: the updater. Run by
/// <c>inspection-agent-update.service</c> (as root, from the release that runs now) when the agent has requested an
/// update; carries it to its end with <see cref="AgentUpdater"/> and systemd, and exits 0 when the new release was
/// committed or nothing was pending, 1 when it was rolled back or refused (the reason is in the journal and in
/// <c>state.json</c>), 2 on a configuration error.
/// </summary>
public static class AgentUpdateCommand
{
    public const string Verb = "apply-agent-update";

    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);
        IHost host;
        try
        {
            var builder = Host.CreateApplicationBuilder([.. args.Skip(1)]);
            builder.AddAgentUpdater();
            host = builder.Build();
            host.Services.GetRequiredService<IStartupValidator>().Validate();
        }
        catch (Exception ex) when (ex is FileNotFoundException or InvalidDataException or FormatException or InvalidOperationException or OptionsValidationException or AggregateException)
        {
            await error.WriteLineAsync($"{Verb}: the configuration cannot be used: {ex.Message}").ConfigureAwait(false);
            return 2;
        }

        using (host)
        {
            var outcome = await host.Services.GetRequiredService<AgentUpdater>().RunAsync(cancellationToken).ConfigureAwait(false);
            await output.WriteLineAsync(outcome is null ? "no agent update requested" : $"agent release {outcome.Version}: {outcome.Phase}{(outcome.Reason is { } reason ? $" ({reason})" : string.Empty)}")
                .ConfigureAwait(false);
            return outcome is null or { Phase: AgentUpdatePhase.Committed } ? 0 : 1;
        }
    }
}
