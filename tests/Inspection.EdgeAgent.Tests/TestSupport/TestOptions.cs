using Microsoft.Extensions.Options;

namespace Inspection.EdgeAgent.Tests.TestSupport;

/// <summary>Options values for components built by hand in tests.</summary>
internal static class TestOptions
{
    public static IOptions<T> Of<T>(T value)
        where T : class => Options.Create(value);

    public static IOptions<EdgeOptions> Edge(string deviceId = "cam-1") => Options.Create(new EdgeOptions { DeviceId = deviceId, LineId = "line-7" });
}
