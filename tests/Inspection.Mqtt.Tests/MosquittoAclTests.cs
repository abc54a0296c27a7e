namespace Inspection.Mqtt.Tests;

public sealed class MosquittoAclTests
{
    private static readonly MosquittoAcl Fleet = MosquittoAcl.Parse(MosquittoAcl.ForFleet("cloud").Split('\n'), "fleet acl");

    [Theory]
    [InlineData("cam1", "inspection/v1/devices/cam1/reported", true)]
    [InlineData("cam1", "inspection/v1/devices/cam1/ota/progress", true)]
    [InlineData("cam1", "inspection/v1/devices/cam2/reported", false)]
    [InlineData("cam1", "inspection/v1/devices/cam1/desired", false)]
    [InlineData("cloud", "inspection/v1/devices/cam1/desired", true)]
    [InlineData("cloud", "inspection/v1/devices/cam1/ota", true)]
    [InlineData("cloud", "inspection/v1/devices/cam1/reported", false)]
    [InlineData("cloud", "inspection/v1/devices/cam1/verdicts", true)]
    [InlineData("cam1", "inspection/v1/devices/cam1/verdicts", false)]
    [InlineData("cam1", "inspection/v1/devices/cam2/verdicts", false)]
    [InlineData(null, "inspection/v1/devices/cam1/reported", false)]
    [InlineData("a/b", "inspection/v1/devices/a/b/reported", false)]
    public void CanPublish_FleetRules_OwnTopicsOnly(string? user, string topic, bool allowed) =>
        Assert.Equal(allowed, Fleet.CanPublish(user, user ?? "anon", topic));

    [Theory]
    [InlineData("cam1", "inspection/v1/devices/cam1/desired", true)]
    [InlineData("cam1", "inspection/v1/devices/cam1/ota", true)]
    [InlineData("cam1", "inspection/v1/devices/cam2/desired", false)]
    [InlineData("cam1", "inspection/v1/devices/cam1/verdicts", true)]
    [InlineData("cam1", "inspection/v1/devices/cam2/verdicts", false)]
    [InlineData("cam1", "inspection/v1/devices/+/verdicts", false)]
    [InlineData("cam1", "inspection/v1/devices/+/desired", false)]
    [InlineData("cam1", "inspection/v1/#", false)]
    [InlineData("cloud", "inspection/v1/devices/+/reported", true)]
    [InlineData("cloud", "inspection/v1/devices/+/ota/progress", true)]
    [InlineData("cloud", "inspection/v1/devices/#", false)]
    public void CanSubscribe_FleetRules_OnlyFiltersWhollyReadable(string user, string filter, bool allowed) =>
        Assert.Equal(allowed, Fleet.CanSubscribe(user, user, filter));
}
