using Inspection.EdgeAgent.Capture;
using Microsoft.Extensions.Time.Testing;

namespace Inspection.EdgeAgent.Tests.Capture;

public sealed class FramePacerTests
{
    [Fact]
    public async Task WaitAsync_MaxFps10_SecondFrameWaitsForTheNextSlot()
    {
        var time = new FakeTimeProvider();
        var pacer = new FramePacer(10, time);
        await pacer.WaitAsync(TestContext.Current.CancellationToken);

        var second = pacer.WaitAsync(TestContext.Current.CancellationToken).AsTask();
        Assert.False(second.IsCompleted);
        time.Advance(TimeSpan.FromMilliseconds(99));
        Assert.False(second.IsCompleted);
        time.Advance(TimeSpan.FromMilliseconds(1));
        await second.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task WaitAsync_NoLimit_NeverWaits()
    {
        var pacer = new FramePacer(0, new FakeTimeProvider());

        for (var i = 0; i < 3; i++)
        {
            Assert.True(pacer.WaitAsync(TestContext.Current.CancellationToken).IsCompleted);
        }

        await pacer.WaitAsync(TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task WaitAsync_FrameRanLongByLessThanAnInterval_TheScheduleIsKept()
    {
        var time = new FakeTimeProvider();
        var pacer = new FramePacer(10, time);
        var first = time.GetUtcNow();
        await pacer.WaitAsync(TestContext.Current.CancellationToken);

        // The first frame takes 130 ms: the second starts 30 ms late, at once, and the third is due on its own slot.
        time.Advance(TimeSpan.FromMilliseconds(130));
        Assert.True(pacer.WaitAsync(TestContext.Current.CancellationToken).IsCompleted);
        Assert.Equal(TimeSpan.FromMilliseconds(30), pacer.Lateness);
        Assert.Equal(first + TimeSpan.FromMilliseconds(200), pacer.NextDue);
    }

    [Fact]
    public async Task WaitAsync_MoreThanAnIntervalBehind_TheScheduleRestartsWithoutABurst()
    {
        var time = new FakeTimeProvider();
        var pacer = new FramePacer(10, time);
        await pacer.WaitAsync(TestContext.Current.CancellationToken);

        time.Advance(TimeSpan.FromMilliseconds(350));
        await pacer.WaitAsync(TestContext.Current.CancellationToken);

        Assert.Equal(time.GetUtcNow() + TimeSpan.FromMilliseconds(100), pacer.NextDue);
    }

    [Fact]
    public async Task Period_SelfPacedSource_MeasuredFromFramesWithoutExtraWork()
    {
        var time = new FakeTimeProvider();
        var pacer = new FramePacer(0, time);
        Assert.Null(pacer.Period);
        await pacer.WaitAsync(TestContext.Current.CancellationToken);
        time.Advance(TimeSpan.FromMilliseconds(40));
        await pacer.WaitAsync(TestContext.Current.CancellationToken);
        Assert.Equal(TimeSpan.FromMilliseconds(40), pacer.Period);
        Assert.Equal(time.GetUtcNow() + TimeSpan.FromMilliseconds(40), pacer.NextDue);

        // A frame that ran a second model took longer than the source's interval: that interval is not the source's.
        pacer.FrameDidExtraWork();
        time.Advance(TimeSpan.FromMilliseconds(75));
        await pacer.WaitAsync(TestContext.Current.CancellationToken);
        Assert.Equal(TimeSpan.FromMilliseconds(40), pacer.Period);
    }
}
