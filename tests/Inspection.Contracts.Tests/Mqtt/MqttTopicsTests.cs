using Inspection.Contracts.Mqtt;

namespace Inspection.Contracts.Tests.Mqtt;

public class MqttTopicsTests
{
    [Fact]
    public void Desired_ValidId_BuildsVersionedTopic()
    {
        Assert.Equal("inspection/v1/devices/jetson-07/desired", MqttTopics.Desired("jetson-07"));
        Assert.Equal("inspection/v1/devices/jetson-07/reported", MqttTopics.Reported("jetson-07"));
        Assert.Equal("inspection/v1/devices/jetson-07/status", MqttTopics.Status("jetson-07"));
        Assert.Equal("inspection/v1/devices/jetson-07/events", MqttTopics.Events("jetson-07"));
    }

    [Theory]
    [InlineData("")]
    [InlineData("a/b")]
    [InlineData("+")]
    [InlineData("#")]
    [InlineData("dev 1")]
    [InlineData("ÿ")]
    public void Desired_InvalidId_Throws(string deviceId)
    {
        var ex = Assert.Throws<ArgumentException>(() => MqttTopics.Desired(deviceId));
        Assert.Contains("not valid", ex.Message);
    }

    [Fact]
    public void IsValidDeviceId_TooLong_False()
    {
        Assert.True(MqttTopics.IsValidDeviceId(new string('a', 64)));
        Assert.False(MqttTopics.IsValidDeviceId(new string('a', 65)));
    }

    [Theory]
    [InlineData("inspection/v1/devices/dev-1/reported", true, "dev-1", "reported")]
    [InlineData("inspection/v1/devices/dev-1/ota/progress", true, "dev-1", "ota/progress")]
    [InlineData("inspection/v2/devices/dev-1/reported", false, "", "")]
    [InlineData("inspection/v1/devices/dev-1", false, "", "")]
    [InlineData("inspection/v1/devices//reported", false, "", "")]
    [InlineData("inspection/v1/devices/dev-1/", false, "", "")]
    public void TryParse_Topics_SplitsDeviceAndSuffix(string topic, bool expected, string deviceId, string suffix)
    {
        Assert.Equal(expected, MqttTopics.TryParse(topic, out var id, out var sfx));
        Assert.Equal(expected ? deviceId : string.Empty, expected ? id : string.Empty);
        Assert.Equal(expected ? suffix : string.Empty, expected ? sfx : string.Empty);
    }

    [Fact]
    public void AllDevices_Suffix_UsesSingleLevelWildcard()
    {
        Assert.Equal("inspection/v1/devices/+/reported", MqttTopics.AllDevices(MqttTopics.ReportedSuffix));
    }
}
