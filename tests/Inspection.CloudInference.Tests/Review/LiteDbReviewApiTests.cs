namespace Inspection.CloudInference.Tests.Review;

/// <summary>The review API on the embedded LiteDB file.</summary>
public sealed class LiteDbReviewApiTests : ReviewApiTests
{
    protected override Task<IReadOnlyList<string>> StorageArgumentsAsync() => Task.FromResult<IReadOnlyList<string>>([]);
}
