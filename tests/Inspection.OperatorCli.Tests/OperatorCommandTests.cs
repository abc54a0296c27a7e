using Inspection.OperatorCli.Tests.Infrastructure;

namespace Inspection.OperatorCli.Tests;

/// <summary>The command line as a whole: arguments that cannot run, and what <c>--help</c> tells.</summary>
public sealed class OperatorCommandTests : IDisposable
{
    private readonly TestCli _cli = new();

    public void Dispose() => _cli.Dispose();

    [Theory]
    [InlineData("set-mode", "--device", "cam-1", "--mode", "offline")]
    [InlineData("set-mode", "--mode", "normal")]
    [InlineData("set-mode", "--device", "cam 1", "--mode", "normal")]
    [InlineData("set-mode", "--device", "cam-1", "--mode", "normal", "--api", "not a url")]
    [InlineData("fleet", "--interval", "0")]
    [InlineData("fleet", "--interval", "soon")]
    [InlineData("fleet", "--duration", "-3")]
    [InlineData("fleet", "--bogus")]
    [InlineData("model", "show")]
    [InlineData("model", "show", "--release", "seven")]
    [InlineData("model", "upload")]
    [InlineData("rollout", "status")]
    [InlineData("rollout", "status", "ro-1", "--watch", "--interval", "0")]
    [InlineData("rollout", "pause")]
    [InlineData("serve")]
    public async Task Verb_BadArguments_ExitsTwoWithMessage(params string[] args)
    {
        var exit = await _cli.RunAsync(args);

        Assert.Equal(ExitCodes.BadArguments, exit);
        Assert.False(string.IsNullOrWhiteSpace(_cli.Error));
    }

    [Fact]
    public async Task Help_Root_ListsTheVerbsAndEveryExitCode()
    {
        Assert.Equal(ExitCodes.Ok, await _cli.RunAsync("--help"));

        foreach (var verb in new[] { "set-mode", "fleet", "model", "rollout" })
        {
            Assert.Contains($"  {verb} ", _cli.Output);
        }

        foreach (var code in new[] { "0 done", "1 the API is unreachable", "2 bad arguments", "3 not found", "4 refused", "5 'rollout status --watch'" })
        {
            Assert.Contains(code, _cli.Output);
        }
    }
}
