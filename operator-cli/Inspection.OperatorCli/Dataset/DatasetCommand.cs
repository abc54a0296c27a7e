using System.CommandLine;
using System.Globalization;
using System.IO.Compression;

namespace Inspection.OperatorCli.Dataset;

/// <summary>
/// <c>dataset export</c>: the reviewed parts as an Ultralytics dataset (<c>GET /api/review/export</c>, an engineer's
/// right), unpacked into a folder: <c>images/</c>, <c>labels/</c>, <c>data.yaml</c>, <c>provenance.jsonl</c>.
/// </summary>
public static class DatasetCommand
{
    /// <summary>An export carries every reviewed JPEG: it may take longer than one ordinary request.</summary>
    public static readonly TimeSpan ExportTimeout = TimeSpan.FromMinutes(10);

    public static Command Create(CliConsole console) =>
        new("dataset", "Datasets from the review workspace.")
        {
            Export(console),
        };

    private static Command Export(CliConsole console)
    {
        var output = new Option<DirectoryInfo>("--out") { Description = "The folder to write the dataset to (new or empty: nothing is overwritten).", Required = true };
        var line = new Option<string>("--line") { Description = "Only items of this line." };
        var since = new Option<string>("--since") { Description = "Only items reviewed at or after this time (e.g. 2026-12-07T08:00:00Z)." };
        var until = new Option<string>("--until") { Description = "Only items reviewed before this time." };
        var className = new Option<string>("--class") { Description = "Only items with a box of this class (edge, cloud or the reviewer's)." };
        var api = ApiCommand.ApiOption(console);
        var command = new Command("export", "Write the reviewed parts as an Ultralytics dataset: images, labels, data.yaml, provenance.jsonl.")
        {
            output, line, since, until, className, api,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var folder = parse.GetRequiredValue(output);
            if (folder.Exists && folder.EnumerateFileSystemInfos().Any())
            {
                await console.Error.WriteLineAsync(
                    $"--out '{folder.FullName}' is not empty: choose a new folder, so no earlier dataset is overwritten.".AsMemory(), cancellationToken).ConfigureAwait(false);
                return ExitCodes.BadArguments;
            }

            var query = new List<string>();
            foreach (var (name, value) in new[] { ("line", parse.GetValue(line)), ("class", parse.GetValue(className)) })
            {
                if (value is { Length: > 0 })
                {
                    query.Add($"{name}={Uri.EscapeDataString(value)}");
                }
            }

            foreach (var (name, option) in new[] { ("since", since), ("until", until) })
            {
                if (parse.GetValue(option) is not { Length: > 0 } text)
                {
                    continue;
                }

                if (!DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time))
                {
                    await console.Error.WriteLineAsync($"--{name} '{text}' is not a time: use e.g. 2026-12-07T08:00:00Z.".AsMemory(), cancellationToken).ConfigureAwait(false);
                    return ExitCodes.BadArguments;
                }

                query.Add($"{name}={Uri.EscapeDataString(time.ToString("O", CultureInfo.InvariantCulture))}");
            }

            var path = "api/review/export" + (query.Count > 0 ? "?" + string.Join('&', query) : string.Empty);
            return await ApiCommand.RunAsync(
                console,
                ApiCommand.Target(console, parse, api),
                async client =>
                {
                    var zipPath = Path.Combine(Path.GetTempPath(), $"review-dataset-{Guid.NewGuid():N}.zip");
                    try
                    {
                        var zip = new FileStream(zipPath, FileMode.CreateNew, FileAccess.ReadWrite);
                        await using (zip.ConfigureAwait(false))
                        {
                            await client.DownloadAsync(path, zip, cancellationToken).ConfigureAwait(false);
                        }

                        // Only once the whole zip is here: an export cut short leaves no half-written folder behind.
                        folder.Create();
                        await ZipFile.ExtractToDirectoryAsync(zipPath, folder.FullName, overwriteFiles: false, cancellationToken).ConfigureAwait(false);
                    }
                    finally
                    {
                        File.Delete(zipPath);
                    }

                    var images = Directory.Exists(Path.Combine(folder.FullName, "images"))
                        ? Directory.EnumerateFiles(Path.Combine(folder.FullName, "images"), "*.jpg", SearchOption.AllDirectories).ToList()
                        : [];
                    var val = images.Count(i => Path.GetFileName(Path.GetDirectoryName(i)) == "val");
                    await console.Output.WriteLineAsync(
                        $"Wrote {images.Count} images ({images.Count - val} train, {val} val) with labels, data.yaml and provenance.jsonl to {folder.FullName}".AsMemory(),
                        cancellationToken).ConfigureAwait(false);
                    return ExitCodes.Ok;
                },
                cancellationToken,
                ExportTimeout).ConfigureAwait(false);
        });
        return command;
    }
}
