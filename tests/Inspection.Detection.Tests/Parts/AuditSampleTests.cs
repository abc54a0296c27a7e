using Inspection.Detection.Parts;

namespace Inspection.Detection.Tests.Parts;

public sealed class AuditSampleTests
{
    private static readonly string[] Keys = [.. Enumerable.Range(1, 4000).Select(i => $"line1-cam{i % 3}/{i * 17}")];

    [Fact]
    public void Picks_ShareZeroAndOne_NoneAndAll()
    {
        Assert.DoesNotContain(Keys, k => AuditSample.Picks(k, 0));
        Assert.All(Keys, k => Assert.True(AuditSample.Picks(k, 1)));
    }

    [Fact]
    public void Picks_ATenthOfTheKeys_AboutThatShareAndTheSameKeysEachTime()
    {
        var picked = Keys.Where(k => AuditSample.Picks(k, 0.1)).ToArray();

        Assert.InRange(picked.Length, 320, 480);
        Assert.Equal(picked, Keys.Where(k => AuditSample.Picks(k, 0.1)));
    }

    [Fact]
    public void Picks_RaisingTheShare_OnlyAddsKeys()
    {
        var tenth = Keys.Where(k => AuditSample.Picks(k, 0.1)).ToHashSet();
        var half = Keys.Where(k => AuditSample.Picks(k, 0.5)).ToHashSet();

        Assert.Subset(half, tenth);
        Assert.True(half.Count > tenth.Count);
    }
}
