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
}
