using System.CommandLine;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;

namespace Inspection.ModelTools.Review;

/// <summary>
/// <c>review-from-truth</c>: a scripted reviewer over the cloud's real review API. Takes the next item
/// (<c>POST /api/review/next</c>), answers it from the synthetic line's ground truth (<see cref="TruthReviewer"/>) with
/// <c>accept</c>, <c>fix</c> or <c>reject</c>, until the queue is empty or <c>--max</c> items; prints what each action
/// took and what a person would have typed in the workspace.
/// </summary>
public static class ReviewFromTruthCommand
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static Command Create(Func<HttpMessageHandler>? handler = null)
    {
        var cloud = new Option<string>("--cloud") { Description = "The cloud's HTTP address, e.g. http://127.0.0.1:5080.", Required = true };
        var tokenFile = new Option<FileInfo>("--token-file") { Description = "File holding a bearer token of an account allowed to review (accounts token).", Required = true };
        var lines = new Option<string[]>("--line")
        {
            Description = "A rendered line (line --out DIR) the devices watched: DIR for every device, or DEVICE=DIR, repeated.",
            Required = true,
            AllowMultipleArgumentsPerToken = true,
        };
        var first = new Option<long>("--first-sequence") { Description = "The sequence of the video's first frame on each device (1: a new database).", DefaultValueFactory = _ => 1 };
        var loop = new Option<bool>("--loop") { Description = "The agents looped their videos: sequences wrap around the video's length." };
        var margin = new Option<double>("--margin") { Description = "Pixels around the part's box in which a true defect belongs to the part.", DefaultValueFactory = _ => TruthReviewer.DefaultMargin };
        var max = new Option<int>("--max") { Description = "Review at most N items (0: until the queue is empty).", DefaultValueFactory = _ => 0 };
        var summary = new Option<FileInfo?>("--summary") { Description = "Also write the counts as JSON to this file." };
        first.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<long>() < 1)
            {
                r.AddError("--first-sequence must be 1 or more (the edge's first sequence is 1).");
            }
        });
        margin.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<double>() is < 0 or > 1000 or double.NaN)
            {
                r.AddError("--margin must be between 0 and 1000 pixels.");
            }
        });
        max.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int>() < 0)
            {
                r.AddError("--max must be 0 (no limit) or more.");
            }
        });
        tokenFile.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<FileInfo>() is { Exists: false } missing)
            {
                r.AddError($"--token-file: no file at '{missing.FullName}'; write one with the cloud's 'accounts token'.");
            }
        });
        cloud.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<string>() is { } text && CloudUri(text) is null)
            {
                r.AddError($"--cloud must be an http(s) address such as http://127.0.0.1:5080, got '{text}'.");
            }
        });

        var command = new Command("review-from-truth", "Scripted reviewer: answers the cloud's review queue from a rendered line's ground truth (accept, fix, reject) and counts a person's keystrokes.")
        {
            cloud, tokenFile, lines, first, loop, margin, max, summary,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var stdout = parse.InvocationConfiguration.Output;
            var stderr = parse.InvocationConfiguration.Error;
            Dictionary<string, FrameMapping> byDevice;
            FrameMapping? any;
            try
            {
                (byDevice, any) = Mappings(parse.GetValue(lines)!, parse.GetValue(first), parse.GetValue(loop));
            }
            catch (InvalidDataException e)
            {
                await stderr.WriteLineAsync($"review-from-truth: {e.Message}");
                return 2;
            }

            var token = (await File.ReadAllTextAsync(parse.GetValue(tokenFile)!.FullName, cancellationToken)).Trim();
            using var http = handler is null ? new HttpClient() : new HttpClient(handler(), disposeHandler: true);
            http.BaseAddress = CloudUri(parse.GetValue(cloud)!);
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
            var tally = new ReviewTally();
            int code;
            try
            {
                code = await RunAsync(http, byDevice, any, parse.GetValue(margin), parse.GetValue(max), tally, stdout, stderr, cancellationToken);
            }
            catch (HttpRequestException e)
            {
                await stderr.WriteLineAsync($"review-from-truth: the cloud at {http.BaseAddress} did not answer: {e.Message}");
                code = 1;
            }

            await stdout.WriteLineAsync($"reviewed {tally.Line}");
            if (parse.GetValue(summary) is { } file)
            {
                await File.WriteAllTextAsync(file.FullName, JsonSerializer.Serialize(tally, Json), cancellationToken);
            }

            return code;
        });
        return command;
    }

    /// <summary>The cloud's address with a trailing slash (the API's paths are relative to it), or null when it is not http(s).</summary>
    public static Uri? CloudUri(string text) =>
        Uri.TryCreate(text.TrimEnd('/') + "/", UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https" ? uri : null;

    /// <summary>The lines by device (<c>DEVICE=DIR</c>) and the one for every device (a bare <c>DIR</c>).</summary>
    public static (Dictionary<string, FrameMapping> ByDevice, FrameMapping? Any) Mappings(IEnumerable<string> lines, long firstSequence, bool loop)
    {
        var byDevice = new Dictionary<string, FrameMapping>(StringComparer.Ordinal);
        FrameMapping? any = null;
        foreach (var value in lines)
        {
            var split = value.IndexOf('=', StringComparison.Ordinal);
            var directory = split < 0 ? value : value[(split + 1)..];
            var mapping = new FrameMapping(LineTruth.Load(directory), firstSequence, loop);
            if (split < 0)
            {
                any = any is null ? mapping : throw new InvalidDataException($"--line: two lines for every device ('{any.Truth.Directory}', '{directory}'); name each device: --line DEVICE=DIR");
            }
            else if (!byDevice.TryAdd(value[..split], mapping))
            {
                throw new InvalidDataException($"--line: device '{value[..split]}' is given twice");
            }
        }

        if (any is not null && byDevice.Count > 0)
        {
            throw new InvalidDataException("--line: give either one DIR for every device or DEVICE=DIR for each, not both");
        }

        return (byDevice, any);
    }

    private static async Task<int> RunAsync(
        HttpClient http, Dictionary<string, FrameMapping> byDevice, FrameMapping? any, double margin, int max, ReviewTally tally,
        TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        // With a line per device, only those devices' items are taken: another device's item is left for a person.
        var filters = any is not null ? [string.Empty] : byDevice.Keys.Order(StringComparer.Ordinal).Select(d => "?device=" + Uri.EscapeDataString(d)).ToList();
        foreach (var filter in filters)
        {
            while (max == 0 || tally.Items < max)
            {
                using var next = await http.PostAsync("api/review/next" + filter, null, cancellationToken);
                if (next.StatusCode == HttpStatusCode.NoContent)
                {
                    break;
                }

                if (!next.IsSuccessStatusCode)
                {
                    await stderr.WriteLineAsync($"review-from-truth: next: {await ErrorOf(next, cancellationToken)}");
                    return 1;
                }

                var item = (await next.Content.ReadFromJsonAsync<ReviewApiItem>(Json, cancellationToken))!;
                ReviewAnswer answer;
                try
                {
                    var mapping = any ?? byDevice.GetValueOrDefault(item.DeviceId)
                        ?? throw new InvalidDataException($"{item.Key}: no --line for device {item.DeviceId}");
                    var truth = item.Frames.Where(f => f.Judged).ToDictionary(f => f.Sequence, f => mapping.Map(item.DeviceId, f));
                    answer = TruthReviewer.Decide(item, truth, margin);
                }
                catch (InvalidDataException e)
                {
                    // Nothing is decided on a guess: the item goes back to the queue for a person.
                    using var released = await http.DeleteAsync(ItemPath(item) + "/lease", cancellationToken);
                    await stderr.WriteLineAsync($"review-from-truth: {e.Message}. {item.Key} was left in the queue.");
                    return 1;
                }

                using var acted = await http.PostAsync(ItemPath(item) + "/" + answer.Action, Body(answer), cancellationToken);
                if (!acted.IsSuccessStatusCode)
                {
                    await stderr.WriteLineAsync($"review-from-truth: {answer.Action} {item.Key}: {await ErrorOf(acted, cancellationToken)}");
                    return 1;
                }

                tally.Add(answer);
                await stdout.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                    $"  {item.Key}: {answer.Action} ({answer.Keys} key(s), {answer.Drags} drag(s))"));
            }
        }

        return 0;
    }

    private static string ItemPath(ReviewApiItem item) =>
        string.Create(CultureInfo.InvariantCulture, $"api/review/items/{Uri.EscapeDataString(item.DeviceId)}/{item.Sequence}");

    private static JsonContent? Body(ReviewAnswer answer) => answer.Action != "fix"
        ? null
        : JsonContent.Create(new
        {
            tags = Array.Empty<string>(),
            frames = answer.Frames.Select(f => new { sequence = f.Key, boxes = f.Value.Select(b => new { classId = b.ClassId, x1 = b.X1, y1 = b.Y1, x2 = b.X2, y2 = b.Y2 }) }),
        });

    private static async Task<string> ErrorOf(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        return $"{(int)response.StatusCode} {response.ReasonPhrase}: {(body.Length > 300 ? body[..300] : body)}";
    }
}
