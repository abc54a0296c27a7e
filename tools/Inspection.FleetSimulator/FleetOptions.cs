using System.ComponentModel.DataAnnotations;
using System.Globalization;
using Inspection.Contracts.Mqtt;

namespace Inspection.FleetSimulator;

/// <summary>
/// What a simulated fleet is: how many devices, where they connect, how their simulated models behave, and which
/// devices get which fault. The command line sets every one (<c>--devices</c>, <c>--fail-verify</c>, …); tests set
/// them in code. Fault shares pick devices by <see cref="Seed"/>: the same seed and count give the same devices.
/// </summary>
public sealed class FleetOptions
{
    /// <summary>Simulated devices. <c>--devices</c>, default 10.</summary>
    [Range(1, 100_000, ErrorMessage = "--devices must be between 1 and 100000.")]
    public int Devices { get; set; } = 10;

    /// <summary>Device ids are this prefix and a number from 1 (<c>sim-0001</c>, …). <c>--id-prefix</c>, default <c>sim-</c>.</summary>
    [Required(ErrorMessage = "--id-prefix must not be empty.")]
    public string IdPrefix { get; set; } = "sim-";

    /// <summary>Lines are named this and a number: <c>line-1</c> … <c>line-K</c>. <c>--line</c>, default <c>line</c>.</summary>
    [Required(ErrorMessage = "--line must not be empty.")]
    public string Line { get; set; } = "line";

    /// <summary>Lines the devices are spread over, round robin: device i watches line (i − 1) mod K + 1. <c>--lines</c>, default 1.</summary>
    [Range(1, 10_000, ErrorMessage = "--lines must be between 1 and 10000.")]
    public int Lines { get; set; } = 1;

    /// <summary>Tags every device reports (<c>Edge:Tags</c>), which rollouts can target. <c>--tags a,b</c>, default none.</summary>
    public IReadOnlyList<string> Tags { get; set; } = [];

    /// <summary>The MQTT broker's host. <c>--broker-host</c>, default <c>127.0.0.1</c>.</summary>
    [Required(ErrorMessage = "--broker-host must not be empty.")]
    public string BrokerHost { get; set; } = "127.0.0.1";

    /// <summary>The MQTT broker's port. <c>--broker-port</c>, default 1883.</summary>
    [Range(1, 65535, ErrorMessage = "--broker-port must be a TCP port between 1 and 65535.")]
    public int BrokerPort { get; set; } = 1883;

    /// <summary>
    /// Folder of the publisher public keys (<c>*.pem</c>) every device trusts (<c>Ota:TrustedKeysPath</c>); without
    /// one, every update is refused with that reason. <c>--trusted-keys</c>, default <c>trusted-keys</c>.
    /// </summary>
    [Required(ErrorMessage = "--trusted-keys must name the folder of trusted publisher keys.")]
    public string TrustedKeys { get; set; } = "trusted-keys";

    /// <summary>
    /// Folder of the cloud's control public keys (<c>*.pem</c>) every device pins (<c>Control:TrustedKeysPath</c>): the
    /// <c>control-keys</c> folder the cloud writes beside its database. Devices refuse desired states signed by any
    /// other key. <c>--control-keys</c>, default <c>control-keys</c>.
    /// </summary>
    [Required(ErrorMessage = "--control-keys must name the folder holding the cloud's control public key (control-keys beside the cloud database).")]
    public string ControlKeys { get; set; } = "control-keys";

    /// <summary>
    /// Where each device keeps its database and models, in a folder named by its id. A second run on the same folder
    /// starts every device where the last run left it (its committed model, its update). <c>--data</c>, default <c>fleet-data</c>.
    /// </summary>
    [Required(ErrorMessage = "--data must name a folder for the devices' databases and models.")]
    public string Data { get; set; } = "fleet-data";

    /// <summary>Frames per second each device's line counts. <c>--fps</c>, default 15.</summary>
    [Range(0.1, 10_000.0, ErrorMessage = "--fps must be between 0.1 and 10000.")]
    public double Fps { get; set; } = 15;

    /// <summary>Share of frames decided uncertain (escalated). <c>--escalation-rate</c>, default 0.02.</summary>
    [Range(0.0, 0.95, ErrorMessage = "--escalation-rate must be between 0 and 0.95 (a share of frames).")]
    public double EscalationRate { get; set; } = 0.02;

    /// <summary>How long loading and warming a new model takes. <c>--load-ms</c>, default 500.</summary>
    [Range(0, 86_400_000, ErrorMessage = "--load-ms must be between 0 and 86400000.")]
    public int LoadMs { get; set; } = 500;

    /// <summary>How long the golden set takes. <c>--golden-ms</c>, default 200.</summary>
    [Range(0, 86_400_000, ErrorMessage = "--golden-ms must be between 0 and 86400000.")]
    public int GoldenMs { get; set; } = 200;

    /// <summary>How long the shadow takes. <c>--shadow-ms</c>, default 3000.</summary>
    [Range(0, 86_400_000, ErrorMessage = "--shadow-ms must be between 0 and 86400000.")]
    public int ShadowMs { get; set; } = 3000;

    /// <summary>How long the health window after the swap takes. <c>--health-ms</c>, default 5000.</summary>
    [Range(0, 86_400_000, ErrorMessage = "--health-ms must be between 0 and 86400000.")]
    public int HealthMs { get; set; } = 5000;

    /// <summary>Chooses the faulty devices and seeds every device's frame decisions. <c>--seed</c>, default 1.</summary>
    public int Seed { get; set; } = 1;

    /// <summary>
    /// Share of devices whose staged package bytes are damaged after the download, so the agent's verification
    /// refuses them. <c>--fail-verify</c>, default 0.
    /// </summary>
    [Range(0.0, 1.0, ErrorMessage = "--fail-verify must be a share of devices between 0 and 1.")]
    public double FailVerify { get; set; }

    /// <summary>Share of devices whose new model fails its golden set. <c>--fail-golden</c>, default 0.</summary>
    [Range(0.0, 1.0, ErrorMessage = "--fail-golden must be a share of devices between 0 and 1.")]
    public double FailGolden { get; set; }

    /// <summary>Share of devices whose update stops in <see cref="HangStep"/> and never ends. <c>--hang</c>, default 0.</summary>
    [Range(0.0, 1.0, ErrorMessage = "--hang must be a share of devices between 0 and 1.")]
    public double Hang { get; set; }

    /// <summary>
    /// The step a hanging update stops in: <c>loading</c>, <c>validating</c>, <c>shadowing</c> or <c>swapped</c> (the
    /// health window). <c>--hang-step</c>, default <c>shadowing</c>.
    /// </summary>
    public string HangStep { get; set; } = OtaStates.Shadowing;

    /// <summary>
    /// Share of devices that drop off the broker (their connection cut without a word, so the broker publishes their
    /// last will) when they take up a model update, for <see cref="OfflineSeconds"/>. <c>--offline</c>, default 0.
    /// </summary>
    [Range(0.0, 1.0, ErrorMessage = "--offline must be a share of devices between 0 and 1.")]
    public double Offline { get; set; }

    /// <summary>How long an offline device stays away; 0: for good. <c>--offline-seconds</c>, default 30.</summary>
    [Range(0, 86_400, ErrorMessage = "--offline-seconds must be between 0 (for good) and 86400.")]
    public int OfflineSeconds { get; set; } = 30;

    /// <summary>
    /// Share of devices whose escalation rate is multiplied by <see cref="RegressFactor"/> once a newer release than
    /// the one they started on decides (from its swap on). <c>--regress</c>, default 0.
    /// </summary>
    [Range(0.0, 1.0, ErrorMessage = "--regress must be a share of devices between 0 and 1.")]
    public double Regress { get; set; }

    /// <summary>What a regressing device's escalation rate is multiplied by. <c>--regress-factor</c>, default 3.</summary>
    [Range(1.0, 1000.0, ErrorMessage = "--regress-factor must be between 1 and 1000.")]
    public double RegressFactor { get; set; } = 3;

    /// <summary>Seconds between reported-state heartbeats (<c>Reporting:IntervalSeconds</c>). <c>--report-seconds</c>, default 5.</summary>
    [Range(1, 3600, ErrorMessage = "--report-seconds must be between 1 and 3600.")]
    public int ReportSeconds { get; set; } = 5;

    /// <summary>The steps an update can be made to hang in (<see cref="HangStep"/>).</summary>
    public static IReadOnlyList<string> HangSteps { get; } = [OtaStates.Loading, OtaStates.Validating, OtaStates.Shadowing, OtaStates.Swapped];

    /// <summary>Every problem with these options, in words a person can act on; empty when they are usable.</summary>
    public IReadOnlyList<string> Validate()
    {
        var results = new List<ValidationResult>();
        Validator.TryValidateObject(this, new ValidationContext(this), results, validateAllProperties: true);
        var errors = results.Select(r => r.ErrorMessage ?? string.Empty).ToList();
        if (!string.IsNullOrEmpty(IdPrefix) && !MqttTopics.IsValidDeviceId(DeviceId(Math.Max(1, Devices))))
        {
            errors.Add($"--id-prefix '{IdPrefix}' does not make valid device ids (such as '{DeviceId(Math.Max(1, Devices))}'): use letters, digits, '-', '_' or '.', 64 characters at most.");
        }

        if (!string.IsNullOrEmpty(Line) && Lines >= 1 && !MqttTopics.IsValidDeviceId(LineId(Lines)))
        {
            errors.Add($"--line '{Line}' does not make valid line names (such as '{LineId(Lines)}'): use letters, digits, '-', '_' or '.'.");
        }

        foreach (var tag in Tags.Where(t => !MqttTopics.IsValidDeviceId(t)))
        {
            errors.Add($"--tags contains '{tag}': a tag is 1-64 letters, digits, '-', '_' or '.'.");
        }

        if (!HangSteps.Contains(HangStep))
        {
            errors.Add($"--hang-step must be one of {string.Join(", ", HangSteps)}, not '{HangStep}'.");
        }

        var faulty = FailVerify + FailGolden + Hang + Offline + Regress;
        if (faulty > 1 + 1e-9)
        {
            errors.Add(string.Create(CultureInfo.InvariantCulture, $"the fault shares add up to {faulty:0.###}: a device gets one fault at most, so together they can be 1 at most."));
        }

        return errors;
    }

    /// <summary>The id of device <paramref name="number"/> (from 1): the prefix and the number, zero-padded to the fleet's size.</summary>
    public string DeviceId(int number) =>
        IdPrefix + number.ToString(CultureInfo.InvariantCulture).PadLeft(Math.Max(4, Devices.ToString(CultureInfo.InvariantCulture).Length), '0');

    /// <summary>The line device <paramref name="number"/> (from 1) watches.</summary>
    public string LineId(int number) => string.Create(CultureInfo.InvariantCulture, $"{Line}-{((number - 1) % Lines) + 1}");
}
