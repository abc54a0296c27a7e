using Inspection.Contracts.Mqtt;

namespace Inspection.FleetSimulator.Devices;

/// <summary>A simulated device at one moment, as the device itself sees it.</summary>
/// <param name="Id">Its device id.</param>
/// <param name="Line">The line it watches.</param>
/// <param name="Fault">The fault it was given.</param>
/// <param name="Online">Whether its MQTT client is connected to the broker.</param>
/// <param name="Model">The model that decides now.</param>
/// <param name="Ota">The last step of its latest model update, or null before any.</param>
/// <param name="Frames">Frames counted since it started.</param>
/// <param name="Pass">Of them, decided pass.</param>
/// <param name="Defect">Of them, decided defect.</param>
/// <param name="Uncertain">Of them, decided uncertain (escalated).</param>
public sealed record DeviceSnapshot(
    string Id,
    string Line,
    DeviceFault Fault,
    bool Online,
    ModelInfo? Model,
    OtaProgress? Ota,
    long Frames,
    long Pass,
    long Defect,
    long Uncertain);
