using Inspection.Contracts.Mqtt;

namespace Inspection.Contracts.Tests.Mqtt;

public class DegradationModesTests
{
    [Theory]
    [InlineData(DegradationMode.Normal, DegradationMode.Normal, DegradationMode.Normal)]
    [InlineData(DegradationMode.Normal, DegradationMode.LocalOnly, DegradationMode.LocalOnly)]
    [InlineData(DegradationMode.LocalOnly, DegradationMode.Normal, DegradationMode.LocalOnly)]
    public void MoreSevere_TwoModes_ReturnsStricter(DegradationMode a, DegradationMode b, DegradationMode expected)
    {
        Assert.Equal(expected, DegradationModes.MoreSevere(a, b));
    }

    [Fact]
    public void TryParse_EveryWireName_RoundTrips()
    {
        foreach (var wire in DegradationModes.All)
        {
            Assert.True(DegradationModes.TryParse(wire, out var mode));
            Assert.Equal(wire, mode.ToWire());
        }
    }

    [Theory]
    [InlineData("Normal")]
    [InlineData("local_only")]
    [InlineData(null)]
    public void TryParse_UnknownName_False(string? wire)
    {
        Assert.False(DegradationModes.TryParse(wire, out _));
    }
}
