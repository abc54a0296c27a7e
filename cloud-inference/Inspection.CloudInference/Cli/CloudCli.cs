using System.CommandLine;
using System.Globalization;
using Inspection.Contracts.Mqtt;

namespace Inspection.CloudInference.Cli;

/// <summary>
/// Command line of the cloud executable. Without a verb, or with <c>serve</c>, it runs the service
/// and hands every remaining argument to the host untouched (<c>--urls</c>, <c>--Cloud:HttpUrl=…</c>).
/// <c>set-mode</c> and <c>fleet</c> talk to a running service over its JSON API.
/// Exit codes: 0 ok, 1 the API is unreachable or failed, 2 bad arguments.
/// </summary>
public static partial class CloudCli
{
    public const int Ok = 0;
    public const int Unreachable = 1;
    public const int BadArguments = 2;

    public const string DefaultApi = "http://127.0.0.1:5180";

    private static readonly string[] Verbs = ["set-mode", "fleet", "--help", "-h", "-?", "--version"];

    public static Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, CancellationToken cancellationToken) =>
        RunAsync(args, output, error, TimeProvider.System, cancellationToken);

    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, TimeProvider time, CancellationToken cancellationToken)
    {
        // The host's own arguments must reach it verbatim, so serving bypasses the parser entirely.
        if (args.Length == 0 || !Verbs.Contains(args[0], StringComparer.Ordinal))
        {
            return await ServeAsync(args is ["serve", ..] ? args[1..] : args, error, cancellationToken).ConfigureAwait(false);
        }

        var root = BuildCommands(output, error, time);
        var parse = root.Parse(args, new ParserConfiguration { ResponseFileTokenReplacer = null });
        if (parse.Errors.Count > 0)
        {
            foreach (var parseError in parse.Errors)
            {
                await error.WriteLineAsync(parseError.Message.AsMemory(), cancellationToken).ConfigureAwait(false);
            }

            await error.WriteLineAsync("Run with --help for usage.".AsMemory(), cancellationToken).ConfigureAwait(false);
            return BadArguments;
        }

        return await parse.InvokeAsync(new InvocationConfiguration { Output = output, Error = error }, cancellationToken).ConfigureAwait(false);
    }

    private static RootCommand BuildCommands(TextWriter output, TextWriter error, TimeProvider time)
    {
        var root = new RootCommand("Inspection cloud: escalation service, fleet view and operator commands.");

        // Listed for --help only: RunAsync serves before the parser sees "serve".
        root.Subcommands.Add(new Command("serve", "Run the service (the default). Host arguments such as --Cloud:HttpUrl=http://0.0.0.0:5180 pass through."));

        var api = new Option<string>("--api") { Description = "Base URL of the cloud's JSON API.", DefaultValueFactory = _ => DefaultApi };

        var device = new Option<string>("--device") { Description = "Device id.", Required = true };
        var mode = new Option<string>("--mode") { Description = "normal or local-only.", Required = true };
        mode.AcceptOnlyFromAmong([.. DegradationModes.All]);
        var issuedBy = new Option<string>("--issued-by")
        {
            Description = "Your name, for the audit trail.",
            DefaultValueFactory = _ => Environment.UserName,
        };
        var setMode = new Command("set-mode", "Command a device into a degradation mode (published as its desired state).")
        {
            device, mode, issuedBy, api,
        };
        setMode.SetAction((parse, cancellationToken) => SetModeAsync(
            parse.GetRequiredValue(device), parse.GetRequiredValue(mode), parse.GetValue(issuedBy) ?? "cli", parse.GetRequiredValue(api), output, error, cancellationToken));
        root.Subcommands.Add(setMode);

        var watch = new Option<bool>("--watch") { Description = "Refresh until stopped (Ctrl+C) or until --duration has passed." };
        var interval = new Option<double>("--interval") { Description = "Seconds between refreshes with --watch.", DefaultValueFactory = _ => 2 };
        interval.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<double>() is < 0.1 or > 3600)
            {
                result.AddError("--interval must be between 0.1 and 3600 seconds.");
            }
        });
        var duration = new Option<double?>("--duration") { Description = "Stop watching after this many seconds." };
        duration.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<double?>() is <= 0)
            {
                result.AddError("--duration must be more than 0 seconds.");
            }
        });
        var fleet = new Command("fleet", "Print the fleet and escalation totals.") { api, watch, interval, duration };
        fleet.SetAction((parse, cancellationToken) => FleetAsync(
            parse.GetRequiredValue(api),
            parse.GetValue(watch),
            TimeSpan.FromSeconds(parse.GetValue(interval)),
            parse.GetValue(duration) is { } seconds ? TimeSpan.FromSeconds(seconds) : null,
            output,
            error,
            time,
            cancellationToken));
        root.Subcommands.Add(fleet);
        return root;
    }

    private static async Task<int> ServeAsync(string[] args, TextWriter error, CancellationToken cancellationToken)
    {
        WebApplication app;
        try
        {
            app = CloudInferenceApp.Build(args);
        }
        catch (Exception ex) when (ex is FormatException or InvalidOperationException)
        {
            await error.WriteLineAsync($"The cloud service could not start: {ex.Message}".AsMemory(), cancellationToken).ConfigureAwait(false);
            return Unreachable;
        }

        await using (app.ConfigureAwait(false))
        {
            try
            {
                await app.StartAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                await error.WriteLineAsync($"The cloud service could not start: {ex.Message}".AsMemory(), CancellationToken.None).ConfigureAwait(false);
                return Unreachable;
            }

            await app.WaitForShutdownAsync(cancellationToken).ConfigureAwait(false);
            return Ok;
        }
    }

    private static async Task<int> SetModeAsync(
        string deviceId, string mode, string issuedBy, string api, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        if (!TryCreateClient(api, error, out var client))
        {
            return BadArguments;
        }

        if (!MqttTopics.IsValidDeviceId(deviceId))
        {
            await error.WriteLineAsync($"Device id '{deviceId}' is not valid: use 1-64 letters, digits, '-', '_' or '.'.".AsMemory(), cancellationToken).ConfigureAwait(false);
            return BadArguments;
        }

        using (client)
        {
            try
            {
                var result = await client.SetModeAsync(deviceId, mode, issuedBy, cancellationToken).ConfigureAwait(false);
                var state = result.State;
                await output.WriteLineAsync(string.Create(
                    CultureInfo.InvariantCulture,
                    $"{deviceId}: desired mode {state.Mode}, version {state.Version}, issued by {state.IssuedBy} at {state.IssuedAt:u}").AsMemory(), cancellationToken).ConfigureAwait(false);
                await output.WriteLineAsync((result.Published
                    ? "Published to the broker (retained); the device applies it when connected."
                    : "Stored; the broker is unreachable right now, it is published as soon as the cloud reconnects.").AsMemory(), cancellationToken).ConfigureAwait(false);
                return Ok;
            }
            catch (CloudApiException ex)
            {
                await error.WriteLineAsync($"The cloud refused: {ex.Message}".AsMemory(), cancellationToken).ConfigureAwait(false);
                return ex.IsBadRequest ? BadArguments : Unreachable;
            }
            catch (Exception ex) when (IsUnreachable(ex, cancellationToken))
            {
                await WriteUnreachableAsync(error, client.BaseAddress, ex, cancellationToken).ConfigureAwait(false);
                return Unreachable;
            }
        }
    }

    private static async Task<int> FleetAsync(
        string api,
        bool watch,
        TimeSpan interval,
        TimeSpan? duration,
        TextWriter output,
        TextWriter error,
        TimeProvider time,
        CancellationToken cancellationToken)
    {
        if (!TryCreateClient(api, error, out var client))
        {
            return BadArguments;
        }

        using (client)
        {
            var started = time.GetTimestamp();
            var exitCode = Ok;
            while (true)
            {
                // The next tick is armed before the refresh, so refreshes start on the interval
                // however long the API takes to answer.
                using var tick = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                var next = watch ? Task.Delay(interval, time, tick.Token) : Task.CompletedTask;
                try
                {
                    var fleet = await client.GetFleetAsync(cancellationToken).ConfigureAwait(false);
                    var summary = await client.GetSummaryAsync(cancellationToken).ConfigureAwait(false);
                    if (watch)
                    {
                        await output.WriteLineAsync($"--- {time.GetUtcNow():u} ---".AsMemory(), cancellationToken).ConfigureAwait(false);
                    }

                    FleetTable.Write(output, fleet, summary);
                    exitCode = Ok;
                }
                catch (CloudApiException ex)
                {
                    await error.WriteLineAsync($"The cloud refused: {ex.Message}".AsMemory(), cancellationToken).ConfigureAwait(false);
                    exitCode = Unreachable;
                }
                catch (Exception ex) when (IsUnreachable(ex, cancellationToken))
                {
                    await WriteUnreachableAsync(error, client.BaseAddress, ex, cancellationToken).ConfigureAwait(false);
                    exitCode = Unreachable;
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
        }
    }

    private static bool TryCreateClient(string api, TextWriter error, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out CloudApiClient? client)
    {
        client = null;
        if (!Uri.TryCreate(api.EndsWith('/') ? api : api + "/", UriKind.Absolute, out var uri)
            || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            error.WriteLine($"--api '{api}' is not an http(s) URL, e.g. {DefaultApi}.");
            return false;
        }

        client = new CloudApiClient(uri, TimeSpan.FromSeconds(10));
        return true;
    }

    private static bool IsUnreachable(Exception ex, CancellationToken cancellationToken) =>
        ex is HttpRequestException or System.Text.Json.JsonException
        || (ex is TaskCanceledException && !cancellationToken.IsCancellationRequested);

    private static Task WriteUnreachableAsync(TextWriter error, Uri api, Exception ex, CancellationToken cancellationToken) =>
        error.WriteLineAsync(
            $"The cloud API at {api} is unreachable ({ex.Message}). Is the service running? Check --api.".AsMemory(),
            cancellationToken);
}
