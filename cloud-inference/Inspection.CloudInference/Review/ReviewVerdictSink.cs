namespace Inspection.CloudInference.Review;

/// <summary>
/// Takes a completed review to the device that escalated it: stores its verdict pending (durably, before anything is
/// published) and wakes the <see cref="ReviewVerdictPublisher"/>, so the review's caller never waits for the broker.
/// </summary>
public sealed partial class ReviewVerdictSink : IReviewedPartSink
{
    private readonly ReviewVerdictStore _store;
    private readonly ReviewVerdictPublisher _publisher;
    private readonly TimeProvider _time;
    private readonly ILogger<ReviewVerdictSink> _logger;

    public ReviewVerdictSink(ReviewVerdictStore store, ReviewVerdictPublisher publisher, TimeProvider time, ILogger<ReviewVerdictSink> logger)
    {
        _store = store;
        _publisher = publisher;
        _time = time;
        _logger = logger;
    }

    /// <exception cref="ArgumentException">The review cannot become a valid verdict; nothing is stored.</exception>
    public Task OnReviewedAsync(ReviewedPart reviewed, CancellationToken cancellationToken)
    {
        var record = _store.Add(reviewed, _time.GetUtcNow(), out var added);
        if (added)
        {
            Log.Stored(_logger, record.Id, record.EscalationKey, record.Verdict, record.Action, record.Reviewer);
        }
        else
        {
            Log.AlreadyStored(_logger, record.Id, record.EscalationKey);
        }

        _publisher.Wake();
        return Task.CompletedTask;
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 2610, Level = LogLevel.Information, Message = "Reviewed verdict {Id} stored for the line: {EscalationKey} is {Verdict} ({Action} by {Reviewer})")]
        public static partial void Stored(ILogger logger, string id, string escalationKey, string verdict, string action, string reviewer);

        [LoggerMessage(EventId = 2611, Level = LogLevel.Debug, Message = "Reviewed verdict {Id} for {EscalationKey} was stored before; not stored twice")]
        public static partial void AlreadyStored(ILogger logger, string id, string escalationKey);
    }
}
