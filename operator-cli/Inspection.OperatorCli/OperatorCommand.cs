using System.CommandLine;
using Inspection.OperatorCli.Accounts;
using Inspection.OperatorCli.AgentReleases;
using Inspection.OperatorCli.Dataset;
using Inspection.OperatorCli.Fleet;
using Inspection.OperatorCli.Identity;
using Inspection.OperatorCli.Models;
using Inspection.OperatorCli.Rollouts;

namespace Inspection.OperatorCli;

/// <summary>
/// The operator's command line against the cloud's HTTP JSON API: <c>set-mode</c>, <c>fleet</c>,
/// <c>model upload|list|show</c>, <c>rollout start|list|status|pause|resume|cancel</c>,
/// <c>account add|list|disable|enable|role|password|token [list|revoke]</c>, <c>dataset export</c>, <c>identity ca|device|server</c>.
/// </summary>
public static class OperatorCommand
{
    public static RootCommand Create(CliConsole console) =>
        new($"Inspection operator CLI: commands for a running cloud service, over its JSON API (--api, or ${ApiCommand.ApiVariable}), "
            + $"signed in with an API token (--token, --token-file, or ${ApiCommand.TokenVariable}).{Environment.NewLine}{ExitCodes.Help}")
        {
            ApiCommand.TokenOption(),
            ApiCommand.TokenFileOption(),
            SetModeCommand.Create(console),
            AccountCommand.Create(console),
            FleetCommand.Create(console),
            ModelCommand.Create(console),
            AgentCommand.Create(console),
            RolloutCommand.Create(console),
            DatasetCommand.Create(console),
            Identity(console),
        };

    // "identity" groups the fleet's identities: broker accounts (mqtt) and the CA and certificates for mTLS (ca, device, server).
    private static Command Identity(CliConsole console)
    {
        var identity = new Command("identity", "Fleet identities: broker accounts and ACL, the CA and certificates for mTLS between devices and the cloud (files only, no API).")
        {
            MqttIdentityCommand.Create(console),
        };
        foreach (var command in CertificateCommands.Create(console))
        {
            identity.Subcommands.Add(command);
        }

        return identity;
    }

    public static async Task<int> RunAsync(string[] args, CliConsole console, CancellationToken cancellationToken)
    {
        // No response files: a device id or reason starting with '@' is taken as written.
        var parse = Create(console).Parse(args, new ParserConfiguration { ResponseFileTokenReplacer = null });
        if (parse.Errors.Count > 0)
        {
            foreach (var error in parse.Errors)
            {
                await console.Error.WriteLineAsync(error.Message.AsMemory(), cancellationToken).ConfigureAwait(false);
            }

            await console.Error.WriteLineAsync("Run with --help for usage.".AsMemory(), cancellationToken).ConfigureAwait(false);
            return ExitCodes.BadArguments;
        }

        // Ctrl+C is the caller's (Program cancels the token), so System.CommandLine installs no handler of its own.
        return await parse.InvokeAsync(
            new InvocationConfiguration { Output = console.Output, Error = console.Error, ProcessTerminationTimeout = null },
            cancellationToken).ConfigureAwait(false);
    }
}
