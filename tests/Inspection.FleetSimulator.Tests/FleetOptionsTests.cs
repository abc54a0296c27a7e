namespace Inspection.FleetSimulator.Tests;

public sealed class FleetOptionsTests
{
    [Fact]
    public void Validate_Defaults_NoErrors()
    {
        Assert.Empty(new FleetOptions().Validate());
    }

    [Fact]
    public void Validate_FaultSharesAboveOne_RefusedWithTheSum()
    {
        var options = new FleetOptions { FailVerify = 0.6, Offline = 0.5 };

        var error = Assert.Single(options.Validate());

        Assert.Contains("add up to 1.1", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("sim/", "--id-prefix")]
    [InlineData("a b", "--id-prefix")]
    public void Validate_PrefixMakingInvalidIds_RefusedNamingTheOption(string prefix, string option)
    {
        var error = Assert.Single(new FleetOptions { IdPrefix = prefix }.Validate());

        Assert.StartsWith(option, error, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_UnknownHangStep_RefusedListingTheSteps()
    {
        var error = Assert.Single(new FleetOptions { HangStep = "downloading" }.Validate());

        Assert.Contains("loading, validating, shadowing, swapped", error, StringComparison.Ordinal);
    }

    [Fact]
    public void DeviceIdAndLine_ThousandDevicesOnThreeLines_PaddedIdsRoundRobinLines()
    {
        var options = new FleetOptions { Devices = 12_000, Lines = 3, IdPrefix = "cam-", Line = "hall" };

        Assert.Equal(("cam-00001", "hall-1"), (options.DeviceId(1), options.LineId(1)));
        Assert.Equal(("cam-12000", "hall-3"), (options.DeviceId(12_000), options.LineId(12_000)));
        Assert.Equal("hall-1", options.LineId(4));
    }
}
