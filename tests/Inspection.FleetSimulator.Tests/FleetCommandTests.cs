using System.CommandLine;
using Inspection.EdgeAgent.Tests.TestSupport;

namespace Inspection.FleetSimulator.Tests;

public sealed class FleetCommandTests
{
    [Fact]
    public async Task Invoke_InvalidOptions_ExitsTwoNamingEachOption()
    {
        var (exit, output, error) = await InvokeAsync("--devices", "0", "--tags", "a,b c");

        Assert.Equal(2, exit);
        Assert.Contains("--devices must be between 1 and 100000.", error, StringComparison.Ordinal);
        Assert.Contains("--tags contains 'b c'", error, StringComparison.Ordinal);
        Assert.Empty(output);
    }

    [Fact]
    public async Task Invoke_Duration_RunsTheFleetAndPrintsTheFinalSummary()
    {
        using var temp = new TempDirectory();
        await using var broker = await EmbeddedBroker.LaunchAsync();
        using var control = ControlKey.Create(temp.Folder("control-keys"));

        var (exit, output, error) = await InvokeAsync(
            "--devices", "3", "--broker-port", broker.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--data", temp.Folder("fleet"),
            "--trusted-keys", temp.Folder("keys"), "--control-keys", control.TrustFolder, "--duration", "2", "--hang", "0.34", "--seed", "5");

        Assert.True(exit == 0, error);
        Assert.Contains("3 devices started", output, StringComparison.Ordinal);
        Assert.Contains("warning: no publisher key", output, StringComparison.Ordinal);
        Assert.Matches(@"faults \(seed 5\): hang sim-000\d", output);
        Assert.Matches(@"final: online [0-3]/3 \| none 3", output);
        Assert.All(["sim-0001", "sim-0002", "sim-0003"], id => Assert.True(File.Exists(Path.Combine(temp.Path, "fleet", id, "edge.db")), $"{id} has no database"));
    }

    [Fact]
    public async Task Invoke_NoControlKey_ExitsTwoSayingWhereTheKeyGoes()
    {
        using var temp = new TempDirectory();

        var (exit, _, error) = await InvokeAsync("--data", temp.Folder("fleet"), "--control-keys", temp.Folder("empty"), "--duration", "1");

        Assert.Equal(2, exit);
        Assert.Contains($"no control public key (*.pem) in {temp.Folder("empty")}", error, StringComparison.Ordinal);
    }

    private static async Task<(int Exit, string Output, string Error)> InvokeAsync(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var exit = await FleetCommand.Create().Parse(args).InvokeAsync(new InvocationConfiguration { Output = output, Error = error }, TestContext.Current.CancellationToken);
        return (exit, output.ToString(), error.ToString());
    }
}
