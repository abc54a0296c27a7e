namespace Inspection.CloudInference.Review;

/// <summary>
/// Takes a completed review onward (to the device that escalated it). Called once per completed review, after the
/// review is stored; an implementation keeps what it cannot deliver yet and delivers it later, so a broker outage
/// loses no verdict.
/// </summary>
public interface IReviewedPartSink
{
    Task OnReviewedAsync(ReviewedPart reviewed, CancellationToken cancellationToken);
}
