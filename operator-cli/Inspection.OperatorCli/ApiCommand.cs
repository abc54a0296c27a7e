using System.CommandLine;
using System.CommandLine.Parsing;
using System.Diagnostics.CodeAnalysis;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Inspection.OperatorCli;

/// <summary>
/// What every verb shares: <c>--api</c>, the API token (<c>--token</c>, <c>--token-file</c>, <c>INSPECTION_TOKEN</c>),
/// <c>--json</c>, one client per run, and API failures turned into exit codes.
/// </summary>
public static class ApiCommand
{
    /// <summary>The API's address when neither <c>--api</c> nor <see cref="ApiVariable"/> names one.</summary>
    public const string DefaultApi = "http://127.0.0.1:5180";

    /// <summary>The environment variable that names the API for every command.</summary>
    public const string ApiVariable = "INSPECTION_API";

    /// <summary>The environment variable holding the API token when neither <c>--token</c> nor <c>--token-file</c> is given.</summary>
    public const string TokenVariable = "INSPECTION_TOKEN";

    public const string TokenOptionName = "--token";

    public const string TokenFileOptionName = "--token-file";

    /// <summary>How long one request may take (an upload: <see cref="UploadTimeout"/>).</summary>
    public static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(10);

    /// <summary>An upload waits while the registry verifies the package and runs its golden set.</summary>
    public static readonly TimeSpan UploadTimeout = TimeSpan.FromMinutes(10);

    /// <summary>A rollout with a review check waits while the cloud runs the release over the reviewed frames.</summary>
    public static readonly TimeSpan ReviewCheckTimeout = TimeSpan.FromMinutes(10);

    // Indented for a person reading along; non-ASCII characters (a name, a reason) stay readable.
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static Option<string> ApiOption(CliConsole console) => new("--api")
    {
        Description = $"Base URL of the cloud's JSON API (default: ${ApiVariable}, else {DefaultApi}).",
        DefaultValueFactory = _ => console.Variable(ApiVariable) is { Length: > 0 } fromEnvironment ? fromEnvironment : DefaultApi,
    };

    /// <summary><c>--token</c>, on the root command and every command under it.</summary>
    public static Option<string> TokenOption() => new(TokenOptionName)
    {
        Description = $"API token of your account (insp_…), sent as 'Authorization: Bearer'. Default: --token-file, else ${TokenVariable}. "
            + "Prefer those two: a token on the command line shows in ps and the shell's history.",
        Recursive = true,
    };

    /// <summary><c>--token-file</c>, on the root command and every command under it.</summary>
    public static Option<FileInfo> TokenFileOption() => new(TokenFileOptionName)
    {
        Description = "A file whose first line is the API token.",
        Recursive = true,
    };

    /// <summary>The API address and token a command was given: <c>--token</c>, else <c>--token-file</c>, else the environment.</summary>
    public static ApiTarget Target(CliConsole console, ParseResult parse, Option<string> api)
    {
        ArgumentNullException.ThrowIfNull(console);
        ArgumentNullException.ThrowIfNull(parse);
        var url = parse.GetRequiredValue(api);
        if (parse.GetValue<string>(TokenOptionName) is { Length: > 0 } token)
        {
            return new ApiTarget(url, token.Trim());
        }

        if (parse.GetValue<FileInfo>(TokenFileOptionName) is { } file)
        {
            try
            {
                return File.ReadLines(file.FullName).FirstOrDefault()?.Trim() is { Length: > 0 } fromFile
                    ? new ApiTarget(url, fromFile)
                    : new ApiTarget(url, null, $"{TokenFileOptionName} {file.FullName} holds no token on its first line.");
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                return new ApiTarget(url, null, $"{TokenFileOptionName} {file.FullName} could not be read: {ex.Message}");
            }
        }

        return new ApiTarget(url, console.Variable(TokenVariable) is { Length: > 0 } fromEnvironment ? fromEnvironment.Trim() : null);
    }

    public static Option<bool> JsonOption() => new("--json")
    {
        Description = "Print the API's JSON answer (indented) instead of tables, for scripts.",
    };

    /// <summary>
    /// Runs <paramref name="body"/> with a client for <paramref name="api"/>: a refusal of the API is printed with its
    /// <c>error</c> text and returns its exit code, an unreachable API returns <see cref="ExitCodes.Failed"/>.
    /// </summary>
    public static async Task<int> RunAsync(
        CliConsole console,
        ApiTarget api,
        Func<CloudApiClient, Task<int>> body,
        CancellationToken cancellationToken,
        TimeSpan? timeout = null)
    {
        if (api.Problem is { } problem)
        {
            await console.Error.WriteLineAsync(problem.AsMemory(), cancellationToken).ConfigureAwait(false);
            return ExitCodes.BadArguments;
        }

        if (!TryCreateClient(api, console.Error, timeout ?? RequestTimeout, out var client))
        {
            return ExitCodes.BadArguments;
        }

        using (client)
        {
            try
            {
                return await body(client).ConfigureAwait(false);
            }
            catch (CloudApiException ex)
            {
                await WriteRefusalAsync(console, ex, cancellationToken).ConfigureAwait(false);
                return ex.ExitCode;
            }
            catch (Exception ex) when (IsUnreachable(ex, cancellationToken))
            {
                await WriteUnreachableAsync(console, client.BaseAddress, ex, cancellationToken).ConfigureAwait(false);
                return ExitCodes.Failed;
            }
        }
    }

    /// <summary>True for what an unreachable or broken API throws, as opposed to the user stopping the command.</summary>
    public static bool IsUnreachable(Exception ex, CancellationToken cancellationToken) =>
        ex is HttpRequestException or JsonException
        || (ex is TaskCanceledException && !cancellationToken.IsCancellationRequested);

    public static Task WriteRefusalAsync(CliConsole console, CloudApiException ex, CancellationToken cancellationToken) =>
        console.Error.WriteLineAsync(
            (ex.StatusCode switch
            {
                >= 500 => $"The cloud failed: {ex.Message}",
                401 => $"Not signed in: {ex.Message}. Give your API token with {TokenOptionName}, {TokenFileOptionName} or ${TokenVariable} "
                    + "(an admin issues one with 'account token').",
                403 => $"Not allowed: {ex.Message}.",
                _ => $"The cloud refused: {ex.Message}",
            }).AsMemory(),
            cancellationToken);

    public static Task WriteUnreachableAsync(CliConsole console, Uri api, Exception ex, CancellationToken cancellationToken) =>
        console.Error.WriteLineAsync(
            $"The cloud API at {api} is unreachable ({ex.Message}). Is the service running? Check --api or ${ApiVariable}.".AsMemory(),
            cancellationToken);

    /// <summary>Writes a JSON value indented, as <c>--json</c> prints answers.</summary>
    public static Task WriteJsonAsync<T>(CliConsole console, T value, CancellationToken cancellationToken) =>
        console.Output.WriteLineAsync(JsonSerializer.Serialize(value, Indented).AsMemory(), cancellationToken);

    private static bool TryCreateClient(ApiTarget target, TextWriter error, TimeSpan timeout, [NotNullWhen(true)] out CloudApiClient? client)
    {
        client = null;
        var api = target.Api;
        if (!Uri.TryCreate(api.EndsWith('/') ? api : api + "/", UriKind.Absolute, out var uri)
            || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            error.WriteLine($"--api '{api}' is not an http(s) URL, e.g. {DefaultApi}.");
            return false;
        }

        client = new CloudApiClient(uri, timeout, target.Token);
        return true;
    }
}
