using System.CommandLine;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;
using Microsoft.Extensions.Options;

namespace Inspection.EdgeAgent.SelfTest;

/// <summary>
/// <c>Inspection.EdgeAgent self-test [--json] [--skip check[,check]] [--Section:Key=value …]</c>: checks the device
/// with the agent's normal configuration (appsettings.json, <c>INSPECTION_EDGE_CONFIG</c>, environment, command line)
/// and exits 0 when every check that ran passed, 1 when one failed, 2 on a usage or configuration error. The install
/// script runs it after installing; nothing the agent keeps is changed.
/// </summary>
public static class SelfTestCommand
{
    public const string Verb = "self-test";

    /// <summary>Exit code when every check that ran passed.</summary>
    public const int ExitPassed = 0;

    /// <summary>Exit code when a check failed.</summary>
    public const int ExitFailed = 1;

    /// <summary>Exit code for a usage error (unknown option or check) or a configuration the agent would refuse.</summary>
    public const int ExitUsage = 2;

    /// <summary>Runs the verb; <paramref name="args"/> starts with <see cref="Verb"/>.</summary>
    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(args);
        var json = new Option<bool>("--json") { Description = "Print the report as JSON instead of one line per check." };
        var skip = new Option<string[]>("--skip")
        {
            Description = "Checks not to run, comma-separated or repeated: provider, model, inference, source, storage, broker, cloud, keys.",
        };
        var command = new Command(Verb, "Check the device with the agent's configuration: execution provider, model, inference, source, storage, broker, cloud, trusted keys.")
        {
            json,
            skip,
        };
        command.TreatUnmatchedTokensAsErrors = false;
        command.SetAction((parse, token) =>
            RunChecksAsync(parse.UnmatchedTokens, parse.GetValue(json), parse.GetValue(skip) ?? [], output, error, token));
        var root = new RootCommand("The edge agent: runs as a service without arguments.") { command };
        var parsed = root.Parse(args);
        if (parsed.Errors.Count > 0)
        {
            foreach (var parseError in parsed.Errors)
            {
                await error.WriteLineAsync($"self-test: {parseError.Message}").ConfigureAwait(false);
            }

            return ExitUsage;
        }

        // The action's exit code; help prints and returns 0.
        return await parsed.InvokeAsync(new InvocationConfiguration { Output = output, Error = error }, cancellationToken).ConfigureAwait(false);
    }

    private static async Task<int> RunChecksAsync(
        IReadOnlyList<string> hostArgs, bool json, string[] skip, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        if (hostArgs.FirstOrDefault(static a => (a.StartsWith("--", StringComparison.Ordinal) || a.StartsWith('/')) && !a.Split('=')[0].Contains(':')) is { } unknown)
        {
            await error.WriteLineAsync($"self-test: unknown option {unknown}: the options are --json and --skip; settings are given as --Section:Key=value.").ConfigureAwait(false);
            return ExitUsage;
        }

        IHost host;
        try
        {
            var builder = Host.CreateApplicationBuilder([.. hostArgs]);

            // Only warnings, and on stderr: stdout carries the report (JSON with --json).
            builder.Logging.ClearProviders();
            builder.Logging.AddConsole(static o => o.LogToStandardErrorThreshold = LogLevel.Trace);
            builder.Logging.AddFilter<ConsoleLoggerProvider>(static level => level >= LogLevel.Warning);
            builder.AddEdgeAgent();
            builder.AddSelfTest();
            host = builder.Build();
        }
        catch (Exception ex) when (ex is FileNotFoundException or InvalidDataException or FormatException or InvalidOperationException)
        {
            await error.WriteLineAsync($"self-test: the configuration cannot be read: {ex.Message}").ConfigureAwait(false);
            return ExitUsage;
        }

        using (host)
        {
            try
            {
                // The same validation the agent runs at its start: a setting it would refuse is a configuration error.
                host.Services.GetRequiredService<IStartupValidator>().Validate();
            }
            catch (Exception ex) when (ex is OptionsValidationException or AggregateException)
            {
                var messages = ex is AggregateException many ? many.InnerExceptions.Select(static e => e.Message) : [ex.Message];
                foreach (var message in messages)
                {
                    await error.WriteLineAsync($"self-test: invalid setting: {message}").ConfigureAwait(false);
                }

                return ExitUsage;
            }

            var runner = host.Services.GetRequiredService<SelfTestRunner>();
            var skipped = skip.SelectMany(static s => s.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                .ToHashSet(StringComparer.OrdinalIgnoreCase);
            if (skipped.FirstOrDefault(s => !runner.Names.Contains(s, StringComparer.OrdinalIgnoreCase)) is { } wrong)
            {
                await error.WriteLineAsync($"self-test: --skip names an unknown check '{wrong}': the checks are {string.Join(", ", runner.Names)}.").ConfigureAwait(false);
                return ExitUsage;
            }

            var report = await runner.RunAsync(skipped, cancellationToken).ConfigureAwait(false);
            await output.WriteAsync(json
                ? JsonSerializer.Serialize(report, SelfTestJsonContext.Default.SelfTestReport) + Environment.NewLine
                : SelfTestRunner.Format(report)).ConfigureAwait(false);
            return report.ExitCode;
        }
    }
}
