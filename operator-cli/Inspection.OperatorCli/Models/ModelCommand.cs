using System.CommandLine;
using System.Globalization;
using Inspection.Contracts.Api;

namespace Inspection.OperatorCli.Models;

/// <summary><c>model upload|list|show</c>: the cloud's model registry (<c>/api/models</c>).</summary>
public static class ModelCommand
{
    public static Command Create(CliConsole console) =>
        new("model", "The model registry: upload a signed package, list and show releases.")
        {
            Upload(console),
            List(console),
            Show(console),
        };

    private static Command Upload(CliConsole console)
    {
        var file = new Option<FileInfo>("--file") { Description = "The signed package archive (.zip, from 'Inspection.ModelTools pack').", Required = true };
        var api = ApiCommand.ApiOption(console);
        var json = ApiCommand.JsonOption();
        var command = new Command("upload", "Register a package: the registry checks its signature, hashes and golden set before it accepts it.")
        {
            file, api, json,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var package = parse.GetRequiredValue(file);
            if (!package.Exists)
            {
                await console.Error.WriteLineAsync($"--file '{package.FullName}' does not exist.".AsMemory(), cancellationToken).ConfigureAwait(false);
                return ExitCodes.BadArguments;
            }

            return await ApiCommand.RunAsync(
                console,
                ApiCommand.Target(console, parse, api),
                async client =>
                {
                    var stream = package.OpenRead();
                    await using (stream.ConfigureAwait(false))
                    {
                        var answer = await client.PostStreamAsync<ModelListItem>(
                            "api/models", stream, "application/zip", cancellationToken).ConfigureAwait(false);
                        return await WriteAsync(console, answer, parse.GetValue(json), $"Registered release {answer.Value.Release}.", cancellationToken).ConfigureAwait(false);
                    }
                },
                cancellationToken,
                ApiCommand.UploadTimeout).ConfigureAwait(false);
        });
        return command;
    }

    private static Command List(CliConsole console)
    {
        var api = ApiCommand.ApiOption(console);
        var json = ApiCommand.JsonOption();
        var command = new Command("list", "List the registered releases.") { api, json };
        command.SetAction((parse, cancellationToken) => ApiCommand.RunAsync(console, ApiCommand.Target(console, parse, api), async client =>
        {
            var answer = await client.GetAsync<List<ModelListItem>>("api/models", cancellationToken).ConfigureAwait(false);
            if (parse.GetValue(json))
            {
                await ApiCommand.WriteJsonAsync(console, answer.Json, cancellationToken).ConfigureAwait(false);
                return ExitCodes.Ok;
            }

            if (answer.Value.Count == 0)
            {
                await console.Output.WriteLineAsync("(no release is registered)".AsMemory(), cancellationToken).ConfigureAwait(false);
                return ExitCodes.Ok;
            }

            var table = TextTable.Create("RELEASE", "NAME", "VERSION", "SIZE", "SHA256", "KEY", "UPLOADED", "BY", "VALIDATION");
            foreach (var model in answer.Value.OrderBy(m => m.Release))
            {
                table.Row(
                    TextTable.Number(model.Release),
                    model.Name,
                    model.Version,
                    Size(model.Size),
                    Short(model.Sha256),
                    model.KeyId,
                    TextTable.Time(model.UploadedAt),
                    model.UploadedBy,
                    model.Validation);
            }

            console.Ansi.Write(table);
            return ExitCodes.Ok;
        }, cancellationToken));
        return command;
    }

    private static Command Show(CliConsole console)
    {
        var release = new Option<long>("--release") { Description = "The release number.", Required = true };
        var api = ApiCommand.ApiOption(console);
        var json = ApiCommand.JsonOption();
        var command = new Command("show", "Show one registered release.") { release, api, json };
        command.SetAction((parse, cancellationToken) => ApiCommand.RunAsync(console, ApiCommand.Target(console, parse, api), async client =>
        {
            var answer = await client.GetAsync<ModelListItem>(
                string.Create(CultureInfo.InvariantCulture, $"api/models/{parse.GetValue(release)}"), cancellationToken).ConfigureAwait(false);
            return await WriteAsync(console, answer, parse.GetValue(json), null, cancellationToken).ConfigureAwait(false);
        }, cancellationToken));
        return command;
    }

    private static async Task<int> WriteAsync(CliConsole console, ApiAnswer<ModelListItem> answer, bool json, string? heading, CancellationToken cancellationToken)
    {
        if (json)
        {
            await ApiCommand.WriteJsonAsync(console, answer.Json, cancellationToken).ConfigureAwait(false);
            return ExitCodes.Ok;
        }

        var model = answer.Value;
        var lines = new List<string>();
        if (heading is not null)
        {
            lines.Add(heading);
        }

        lines.AddRange(
        [
            $"release     {TextTable.Number(model.Release)}",
            $"model       {model.Name} {model.Version}",
            $"sha256      {model.Sha256}",
            $"size        {Size(model.Size)} ({TextTable.Number(model.Size)} bytes)",
            $"key         {model.KeyId}",
            $"manifest    {model.ManifestUrl} (sha256 {model.ManifestSha256})",
            $"uploaded    {TextTable.Time(model.UploadedAt)} by {model.UploadedBy}",
            $"validation  {model.Validation}",
        ]);
        foreach (var line in lines)
        {
            await console.Output.WriteLineAsync(line.AsMemory(), cancellationToken).ConfigureAwait(false);
        }

        return ExitCodes.Ok;
    }

    private static string Short(string sha256) => sha256.Length > 12 ? sha256[..12] + "…" : sha256;

    private static string Size(long bytes) => bytes switch
    {
        >= 1024 * 1024 => string.Create(CultureInfo.InvariantCulture, $"{bytes / (1024.0 * 1024):0.0} MB"),
        >= 1024 => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1024.0:0.0} kB"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{bytes} B"),
    };
}
