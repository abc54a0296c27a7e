using System.Diagnostics;
using Inspection.CloudInference.Escalations;
using Inspection.CloudInference.Models;
using Inspection.CloudInference.Review;
using Inspection.Contracts.Rollouts;
using Inspection.Detection;
using Inspection.Detection.Packaging;
using Inspection.Detection.Parts;
using Microsoft.Extensions.Options;
using OpenCvSharp;

namespace Inspection.CloudInference.Rollouts;

/// <summary>
/// Runs a registered release's model over the frames people reviewed (<see cref="ReviewCheck"/>): the newest completed
/// reviews of the given devices, each part decided as a device decides it — the release's recommended settings and
/// band, detections on the part's box, a defect in any frame rejects the part — and compared with the reviewer's
/// final boxes and with what the model on the line decided. Only the frames the device escalated are in the cloud,
/// so a part is judged on those (the ones that made it doubtful). The model runs with the cloud's execution providers
/// (the GPU on the cloud's server, the CPU here). Unless the check says otherwise, only parts the release cannot have
/// trained on are judged (<see cref="IsHeldOut"/>).
/// </summary>
public sealed partial class ReviewedPartsCheck
{
    private readonly ReviewStore _reviews;
    private readonly IEscalationStore _escalations;
    private readonly ModelRegistry _registry;
    private readonly DetectorOptions _detector;
    private readonly TimeProvider _time;
    private readonly ILogger<ReviewedPartsCheck> _logger;

    public ReviewedPartsCheck(
        ReviewStore reviews,
        IEscalationStore escalations,
        ModelRegistry registry,
        IOptions<DetectorOptions> detector,
        TimeProvider time,
        ILogger<ReviewedPartsCheck> logger)
    {
        _reviews = reviews;
        _escalations = escalations;
        _registry = registry;
        _detector = detector.Value;
        _time = time;
        _logger = logger;
    }

    /// <summary>Checks <paramref name="release"/> on the reviewed parts of <paramref name="devices"/>.</summary>
    /// <param name="release">A registered release.</param>
    /// <param name="devices">The rollout's devices.</param>
    /// <param name="check">The resolved check (every member set).</param>
    /// <param name="cancellationToken">Stops the run between frames.</param>
    /// <exception cref="KeyNotFoundException">The release's files are not in the registry.</exception>
    public Task<ReviewCheckResult> RunAsync(long release, IReadOnlyCollection<string> devices, ReviewCheck check, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(devices);
        ArgumentNullException.ThrowIfNull(check);
        var wanted = devices.ToHashSet(StringComparer.Ordinal);
        var registered = _registry.Find(release)?.UploadedAt.ToUniversalTime().Ticks
            ?? throw new KeyNotFoundException($"release {release} is not registered (GET /api/models)");
        var all = _reviews.Completed(new ReviewFilter())
            .Where(x => wanted.Contains(x.Escalation.DeviceId))
            .ToList();
        var reviewed = all
            .Where(x => check.IncludeTrainSplit == true || IsHeldOut(x.Escalation, x.Review, registered))
            .OrderByDescending(x => x.Review.ReviewedTicks)
            .ThenBy(x => x.Escalation.Key, StringComparer.Ordinal)
            .Take(check.MaxParts!.Value)
            .ToList();
        if (reviewed.Count < check.MinParts!.Value)
        {
            // Not enough to judge: say so before loading a model.
            var result = ReviewCheckJudge.NotEnough(check, reviewed.Count, all.Count, _time.GetUtcNow());
            Log.Checked(_logger, release, result.Parts, 0, 0, result.Summary);
            return Task.FromResult(result);
        }

        var manifest = Manifest(release);
        var modelPath = _registry.FilePath(release, manifest.Model.Path)
            ?? throw new KeyNotFoundException($"release {release}'s model file {manifest.Model.Path} is missing from the registry");
        return Task.Run(() => Run(release, manifest, modelPath, reviewed, check, cancellationToken), cancellationToken);
    }

    /// <summary>
    /// Whether a release registered at <paramref name="registeredTicks"/> cannot have trained on this reviewed part:
    /// the review export puts it in the validation split (which the trainer leaves out), or it was reviewed after the
    /// release was registered.
    /// </summary>
    public static bool IsHeldOut(StoredEscalation escalation, StoredReview review, long registeredTicks)
    {
        ArgumentNullException.ThrowIfNull(escalation);
        ArgumentNullException.ThrowIfNull(review);
        return review.ReviewedTicks > registeredTicks || ReviewDatasetExporter.SplitOf(escalation.Key) == "val";
    }

    /// <summary>
    /// What the model on the line decided for a part: for an audit, the edge's own decision (pass or defect); for an
    /// escalation, uncertain — that is why the device sent it.
    /// </summary>
    public static Decision RunningDecision(StoredEscalation escalation)
    {
        ArgumentNullException.ThrowIfNull(escalation);
        return escalation.EdgeAudit is Verdicts.Pass or Verdicts.Defect ? Verdicts.ToDecision(escalation.EdgeAudit) : Decision.Uncertain;
    }

    private ReviewCheckResult Run(long release, ModelManifest manifest, string modelPath, List<(StoredEscalation Escalation, StoredReview Review)> reviewed, ReviewCheck check, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var options = manifest.Recommended.Apply(
            new DetectorOptions
            {
                ExecutionProviders = _detector.ExecutionProviders,
                GpuDeviceId = _detector.GpuDeviceId,
                TensorRtCachePath = _detector.TensorRtCachePath,
                TensorRtFp16 = _detector.TensorRtFp16,
                IntraOpThreads = _detector.IntraOpThreads,
                WarmupRuns = 1,
            },
            modelPath);
        using var detector = OnnxDetector.Load(options, _logger);
        var band = manifest.Recommended.Band;
        var parts = new List<JudgedPart>(reviewed.Count);
        var frames = 0;
        foreach (var (escalation, review) in reviewed)
        {
            Decision? decided = null;
            foreach (var frame in ReviewFrame.Of(escalation).Where(f => f.Judged))
            {
                cancellationToken.ThrowIfCancellationRequested();
                var jpeg = escalation.Part is { } part
                    ? _escalations.FindPartFrameJpeg(escalation.DeviceId, part.PartId, frame.Sequence)
                    : _escalations.FindJpeg(escalation.DeviceId, (ulong)escalation.Sequence);
                if (jpeg is null || Decode(jpeg) is not { } image)
                {
                    continue;
                }

                IReadOnlyList<Detection.Detection> detections;
                using (image)
                {
                    detections = detector.Detect(image);
                }

                var partBox = escalation.Part?.Frames.FirstOrDefault(f => f.Sequence == frame.Sequence)?.PartBox;
                var onPart = partBox is null
                    ? detections
                    : [.. detections.Where(d => PartSighting.Holds(partBox.ToBox(), d, EscalationProcessor.PartMarginPixels))];
                decided = PartVerdict.Combine(decided ?? Decision.Pass, band.Decide(onPart));
                frames++;
            }

            if (decided is { } decision)
            {
                parts.Add(new JudgedPart(review.Frames.Any(f => f.Boxes.Count > 0), decision, RunningDecision(escalation)));
            }
        }

        return Finish(release, check, parts, frames, clock);
    }

    private ReviewCheckResult Finish(long release, ReviewCheck check, List<JudgedPart> parts, int frames, Stopwatch clock)
    {
        var result = ReviewCheckJudge.Judge(check, parts, frames, _time.GetUtcNow());
        Log.Checked(_logger, release, result.Parts, frames, clock.Elapsed.TotalSeconds, result.Summary);
        return result;
    }

    private ModelManifest Manifest(long release)
    {
        var path = _registry.FilePath(release, ModelPackage.ManifestFile)
            ?? throw new KeyNotFoundException($"release {release} is not registered (GET /api/models)");
        return ModelManifestJson.TryParse(File.ReadAllBytes(path), out var manifest, out var error)
            ? manifest
            : throw new InvalidDataException($"release {release}'s stored manifest cannot be read: {error}");
    }

    private static Mat? Decode(byte[] jpeg)
    {
        Mat image;
        try
        {
            image = Cv2.ImDecode(jpeg, ImreadModes.Color);
        }
        catch (OpenCVException)
        {
            return null;
        }

        if (image.Empty())
        {
            image.Dispose();
            return null;
        }

        return image;
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 3400, Level = Microsoft.Extensions.Logging.LogLevel.Information, Message = "Review check of release {Release}: {Parts} reviewed parts, {Frames} frames in {Seconds:0.0} s: {Summary}")]
        public static partial void Checked(ILogger logger, long release, int parts, int frames, double seconds, string summary);
    }
}
