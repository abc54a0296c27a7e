using Inspection.EdgeAgent.Capture;
using Inspection.EdgeAgent.Control;
using Inspection.EdgeAgent.Degradation;
using Inspection.EdgeAgent.Storage;
using Microsoft.Extensions.Logging.Abstractions;

namespace Inspection.EdgeAgent.Tests.TestSupport;

/// <summary>The inspection loop's degradation, built by hand over a real device state.</summary>
internal static class TestDegradation
{
    public static InspectionDegradation For(
        EdgeDatabase database,
        TimeProvider time,
        FramePacer? pacer = null,
        DegradationOptions? options = null,
        DeviceState? state = null,
        DeviceEvents? events = null) =>
        new(
            state ?? new DeviceState(new ControlStateStore(database)),
            events ?? new DeviceEvents(TestOptions.Edge(), time),
            pacer ?? new FramePacer(0, time),
            TestOptions.Of(options ?? new DegradationOptions()),
            time,
            NullLogger<InspectionDegradation>.Instance);
}
