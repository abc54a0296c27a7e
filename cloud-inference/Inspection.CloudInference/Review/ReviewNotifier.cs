namespace Inspection.CloudInference.Review;

/// <summary>
/// Hands a completed review to every registered <see cref="IReviewedPartSink"/>, once, after it is stored. A sink
/// that throws is logged and the others still run: the review stays stored, and a sink keeps its own retry.
/// </summary>
public sealed partial class ReviewNotifier
{
    private readonly IReadOnlyList<IReviewedPartSink> _sinks;
    private readonly ILogger<ReviewNotifier> _logger;

    public ReviewNotifier(IEnumerable<IReviewedPartSink> sinks, ILogger<ReviewNotifier> logger)
    {
        _sinks = [.. sinks];
        _logger = logger;
    }

    public async Task NotifyAsync(ReviewItem item, CancellationToken cancellationToken)
    {
        if (item.Review is not { } review)
        {
            return;
        }

        var reviewed = new ReviewedPart(
            item.DeviceId, item.LineId, item.Key, item.Sequence, item.IsPart, review.Verdict, review.Action, review.Reviewer,
            review.ReviewedAt ?? DateTimeOffset.MinValue, review.Tags);
        foreach (var sink in _sinks)
        {
            try
            {
                await sink.OnReviewedAsync(reviewed, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                Log.SinkFailed(_logger, sink.GetType().Name, item.Key, ex);
            }
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 1400, Level = LogLevel.Error, Message = "Review sink {Sink} failed on {Key}; the review stays stored")]
        public static partial void SinkFailed(ILogger logger, string sink, string key, Exception exception);
    }
}
