using System.Buffers.Binary;
using System.Globalization;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Inspection.CloudInference.Escalations;

namespace Inspection.CloudInference.Review;

/// <summary>
/// Completed reviews as an Ultralytics detection dataset, in one zip: <c>images/{train,val}/</c> (the reviewed frames'
/// JPEGs), <c>labels/{train,val}/</c> (one <c>class cx cy w h</c> line per final box, normalised to [0, 1]; an empty
/// file for a frame without a defect, which Ultralytics trains as background), <c>data.yaml</c> and
/// <c>provenance.jsonl</c> (one line per image: where it came from and who decided its labels).
/// </summary>
public sealed class ReviewDatasetExporter
{
    /// <summary>One item in this many goes to <c>val</c>.</summary>
    public const int ValidationOneIn = 5;

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private readonly ReviewStore _reviews;
    private readonly IEscalationStore _escalations;
    private readonly TimeProvider _time;

    public ReviewDatasetExporter(ReviewStore reviews, IEscalationStore escalations, TimeProvider time)
    {
        _reviews = reviews;
        _escalations = escalations;
        _time = time;
    }

    /// <summary>
    /// The split: an item goes to <c>val</c> when the first four bytes of SHA-256 of its escalation key, read as a
    /// big-endian number, are divisible by <see cref="ValidationOneIn"/>; otherwise to <c>train</c>. The same item
    /// always lands in the same split, whatever else is exported with it, and a part's frames are never split apart
    /// (near-identical views of one part on both sides would flatter the validation figures).
    /// </summary>
    public static string SplitOf(string escalationKey)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(escalationKey));
        return BinaryPrimitives.ReadUInt32BigEndian(hash) % ValidationOneIn == 0 ? "val" : "train";
    }

    /// <summary>
    /// Writes the dataset of the reviews that match to a temporary zip and returns it open at its start; the file goes
    /// away when the stream is closed. <paramref name="filter"/>'s time range is the review time; its class matches an
    /// edge, cloud or final box.
    /// </summary>
    public Task<Stream> WriteZipAsync(ReviewFilter filter, CancellationToken cancellationToken)
    {
        var path = Path.Combine(Path.GetTempPath(), $"review-dataset-{Guid.NewGuid():N}.zip");
        var file = new FileStream(path, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 81920, FileOptions.DeleteOnClose);
        try
        {
            using (var zip = new ZipArchive(file, ZipArchiveMode.Create, leaveOpen: true))
            {
                Write(zip, filter, cancellationToken);
            }

            file.Position = 0;
            return Task.FromResult<Stream>(file);
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    private void Write(ZipArchive zip, ReviewFilter filter, CancellationToken cancellationToken)
    {
        var byItem = filter with { Since = null, Until = null, ClassName = null };
        var names = _reviews.ClassNames.ToList();
        var provenance = new StringBuilder();
        var images = 0;
        foreach (var (escalation, review) in _reviews.Completed(byItem))
        {
            cancellationToken.ThrowIfCancellationRequested();
            if ((filter.Since is { } since && review.ReviewedTicks < since.UtcTicks)
                || (filter.Until is { } until && review.ReviewedTicks >= until.UtcTicks)
                || (filter.ClassName is { } className && !HasClass(escalation, review, className)))
            {
                continue;
            }

            var split = SplitOf(escalation.Key);
            foreach (var frame in ReviewFrame.Of(escalation).Where(f => f.Judged && f.Width > 0 && f.Height > 0))
            {
                var jpeg = escalation.Part is { } part
                    ? _escalations.FindPartFrameJpeg(escalation.DeviceId, part.PartId, frame.Sequence)
                    : _escalations.FindJpeg(escalation.DeviceId, (ulong)escalation.Sequence);
                if (jpeg is null)
                {
                    continue;
                }

                var boxes = review.Frames.FirstOrDefault(f => f.Sequence == frame.Sequence)?.Boxes ?? [];
                foreach (var box in boxes.Where(b => b.ClassId >= names.Count))
                {
                    // A class the current model does not name (a model since replaced): keep the id, name it by number.
                    while (names.Count <= box.ClassId)
                    {
                        names.Add(names.Count == box.ClassId ? box.ClassName : $"class{names.Count}");
                    }
                }

                var name = $"{escalation.DeviceId}_{escalation.Sequence}_{frame.Sequence}";
                var image = $"images/{split}/{name}.jpg";
                var label = $"labels/{split}/{name}.txt";
                WriteEntry(zip, image, jpeg);
                WriteEntry(zip, label, Encoding.UTF8.GetBytes(Labels(boxes, frame.Width, frame.Height)));
                provenance.Append(JsonSerializer.Serialize(new
                {
                    image,
                    label,
                    split,
                    deviceId = escalation.DeviceId,
                    lineId = escalation.LineId,
                    escalationKey = escalation.Key,
                    isPart = escalation.Part is not null,
                    frameSequence = frame.Sequence,
                    width = frame.Width,
                    height = frame.Height,
                    edgeModel = new ReviewModel(escalation.EdgeModelName, escalation.EdgeModelVersion, escalation.EdgeModelRelease),
                    cloudModel = new ReviewModel(escalation.CloudModelName, escalation.CloudModelVersion, 0),
                    reviewer = review.Reviewer,
                    reviewedAt = review.ReviewedAt,
                    action = review.Action,
                    tags = review.Tags,
                    boxes = boxes.Count,
                    edgeAudit = escalation.EdgeAudit,
                }, Json)).Append('\n');
                images++;
            }
        }

        WriteEntry(zip, "provenance.jsonl", Encoding.UTF8.GetBytes(provenance.ToString()));
        WriteEntry(zip, "data.yaml", Encoding.UTF8.GetBytes(DataYaml(names, images)));
    }

    /// <summary>One <c>class cx cy w h</c> line per box, normalised to the frame and clamped to [0, 1].</summary>
    public static string Labels(IEnumerable<StoredDetection> boxes, int width, int height)
    {
        var text = new StringBuilder();
        foreach (var b in boxes)
        {
            double x1 = Math.Clamp(b.X1 / width, 0, 1), x2 = Math.Clamp(b.X2 / width, 0, 1);
            double y1 = Math.Clamp(b.Y1 / height, 0, 1), y2 = Math.Clamp(b.Y2 / height, 0, 1);
            text.Append(CultureInfo.InvariantCulture, $"{b.ClassId} {(x1 + x2) / 2:0.######} {(y1 + y2) / 2:0.######} {x2 - x1:0.######} {y2 - y1:0.######}\n");
        }

        return text.ToString();
    }

    private string DataYaml(IReadOnlyList<string> names, int images)
    {
        var yaml = new StringBuilder();
        yaml.Append(CultureInfo.InvariantCulture, $"# Reviewed items from the inspection cloud's review workspace: {images} images, exported {_time.GetUtcNow():O}.\n");
        yaml.Append(CultureInfo.InvariantCulture, $"# Split: an item (a part with all its frames, or one frame) is in val when the first 4 bytes of SHA-256 of its\n");
        yaml.Append(CultureInfo.InvariantCulture, $"# escalation key (big-endian) are divisible by {ValidationOneIn}, else in train: deterministic, and a part never straddles it.\n");
        yaml.Append("# Labels: accept -> the cloud's boxes, fix -> the reviewer's, reject -> an empty file (a background image).\n");
        yaml.Append("path: .\ntrain: images/train\nval: images/val\n");
        yaml.Append(CultureInfo.InvariantCulture, $"nc: {names.Count}\nnames:\n");
        for (var i = 0; i < names.Count; i++)
        {
            yaml.Append(CultureInfo.InvariantCulture, $"  {i}: '{names[i].Replace("'", "''", StringComparison.Ordinal)}'\n");
        }

        return yaml.ToString();
    }

    private static bool HasClass(StoredEscalation escalation, StoredReview review, string className) =>
        new ReviewFilter(ClassName: className).Matches(escalation)
        || review.Frames.Any(f => f.Boxes.Any(b => string.Equals(b.ClassName, className, StringComparison.OrdinalIgnoreCase)));

    private static void WriteEntry(ZipArchive zip, string name, byte[] content)
    {
        // JPEGs do not shrink; the labels and the rest are tiny.
        var entry = zip.CreateEntry(name, name.EndsWith(".jpg", StringComparison.Ordinal) ? CompressionLevel.NoCompression : CompressionLevel.Fastest);
        using var stream = entry.Open();
        stream.Write(content);
    }
}
