using Inspection.Contracts.Mqtt;
using Inspection.EndToEnd.Tests.Infrastructure;
using Inspection.FleetSimulator.Tests.TestSupport;

namespace Inspection.FleetSimulator.Tests;

/// <summary>A simulated fleet on a real mosquitto (the Debian package test.sh installs).</summary>
public sealed class MosquittoFleetTests
{
    [Fact]
    public async Task Update_RealMosquitto_EveryDeviceCommitsAndAFaultyOneFails()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var broker = await MosquittoBroker.StartAsync(ct);
        await using var scenario = await FleetScenario.StartAsync(broker.Port);
        var options = scenario.Options(10);
        options.FailVerify = 0.1;
        var fleet = await scenario.StartFleetAsync(options);
        var ids = fleet.Devices.Select(d => d.Id).ToList();
        var faulty = Assert.Single(fleet.Faults).Key;

        await scenario.DesireAsync(scenario.Publisher.Publish(1), ids);
        await scenario.AllEndedAsync(ids, 1);
        await Eventually.UntilAsync(() => ids.Where(id => id != faulty).All(id => scenario.Reported(id)?.Model.Release == 1), "the healthy devices to report release 1");

        Assert.All(ids.Where(id => id != faulty), id => Assert.Equal(OtaStates.Committed, scenario.ProgressOf(id)[^1].State));
        Assert.Equal(OtaStates.Failed, scenario.ProgressOf(faulty)[^1].State);
        Assert.All(ids, id => Assert.True(scenario.StatusesOf(id).LastOrDefault()?.Online, $"{id} is not online: {broker.Output}"));
    }
}
