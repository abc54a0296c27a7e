using Inspection.EdgeAgent.SelfTest;
using Microsoft.Extensions.Time.Testing;

namespace Inspection.EdgeAgent.Tests.SelfTest;

public sealed class SelfTestRunnerTests
{
    [Fact]
    public async Task RunAsync_CheckThrows_FailsItAndRunsTheRest()
    {
        var runner = new SelfTestRunner(
            [new ScriptedCheck("first", () => throw new IOException("disk gone")), new ScriptedCheck("second", () => SelfTestResult.Pass("fine"))],
            new FakeTimeProvider());

        var report = await runner.RunAsync(new HashSet<string>(), TestContext.Current.CancellationToken);

        Assert.Equal(SelfTestCommand.ExitFailed, report.ExitCode);
        Assert.Equal("fail", report.Verdict);
        Assert.Equal(new SelfTestResult(SelfTestStatus.Fail, "IOException: disk gone") { Name = "first" }, report.Checks[0]);
        Assert.Equal(SelfTestStatus.Pass, report.Checks[1].Status);
        Assert.Contains("self-test: FAIL (first failed; 1 passed, 0 skipped)", SelfTestRunner.Format(report), StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_CheckThrowsThroughReflection_NamesTheWrappedCause()
    {
        var wrapped = new System.Reflection.TargetInvocationException(new InvalidOperationException("the socket layer is missing", new PlatformNotSupportedException("no epoll")));
        var runner = new SelfTestRunner([new ScriptedCheck("broker", () => throw wrapped)], new FakeTimeProvider());

        var report = await runner.RunAsync(new HashSet<string>(), TestContext.Current.CancellationToken);

        Assert.Equal("InvalidOperationException: the socket layer is missing (PlatformNotSupportedException: no epoll)", report.Checks[0].Detail);
    }

    [Fact]
    public async Task RunAsync_FailingCheckSkipped_PassesWithoutRunningIt()
    {
        var ran = false;
        var runner = new SelfTestRunner(
            [new ScriptedCheck("camera", () => { ran = true; return SelfTestResult.Fail("no camera"); }), new ScriptedCheck("disk", () => SelfTestResult.Pass("fine"))],
            new FakeTimeProvider());

        var report = await runner.RunAsync(new HashSet<string> { "camera" }, TestContext.Current.CancellationToken);

        Assert.False(ran);
        Assert.Equal(SelfTestCommand.ExitPassed, report.ExitCode);
        Assert.Equal([SelfTestStatus.Skip, SelfTestStatus.Pass], report.Checks.Select(static c => c.Status));
    }

    private sealed class ScriptedCheck(string name, Func<SelfTestResult> run) : ISelfTestCheck
    {
        public string Name => name;

        public Task<SelfTestResult> RunAsync(CancellationToken cancellationToken) => Task.FromResult(run());
    }
}
