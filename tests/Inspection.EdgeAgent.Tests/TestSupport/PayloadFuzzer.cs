using System.Text;
using System.Text.Json.Nodes;
using Inspection.Contracts.Mqtt;

namespace Inspection.EdgeAgent.Tests.TestSupport;

/// <summary>
/// Seeded hostile payloads for a device's MQTT inputs: random bytes, truncated and bit-flipped copies of a valid signed
/// payload, wrong types, huge numbers, deep nesting, invalid UTF-8, states signed by a key the device does not pin,
/// and valid envelopes around altered states. None of them may ever be applied.
/// </summary>
internal sealed class PayloadFuzzer
{
    private readonly Random _random;
    private readonly byte[] _valid;
    private readonly ControlKey _rogue;
    private readonly string _deviceId;

    /// <param name="seed">Makes every run the same.</param>
    /// <param name="valid">A valid signed payload (of the state the device already applied), to mutate.</param>
    /// <param name="rogue">A key the device does not pin.</param>
    /// <param name="deviceId">The device under test, so rogue states look addressed to it.</param>
    public PayloadFuzzer(int seed, byte[] valid, ControlKey rogue, string deviceId)
    {
        _random = new Random(seed);
        _valid = valid;
        _rogue = rogue;
        _deviceId = deviceId;
    }

    public const int Kinds = 10;

    public byte[] Next(out int kind)
    {
        kind = _random.Next(Kinds);
        return kind switch
        {
            0 => RandomBytes(_random.Next(0, 512)),
            1 => _valid[.._random.Next(0, _valid.Length)],
            2 => BitFlipped(),
            3 => Utf8(WrongTypes()),
            4 => Utf8(HugeNumbers()),
            5 => Utf8(DeepNesting()),
            6 => InvalidUtf8(),
            7 => _rogue.SignBytes(RogueState()),
            8 => AlteredState(),
            _ => Utf8(Envelope(Base64(RandomBytes(_random.Next(0, 128))), RandomHex(16), Base64(RandomBytes(64)))),
        };
    }

    private static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);

    private static string Base64(byte[] bytes) => Convert.ToBase64String(bytes);

    private static string Envelope(string state, string keyId, string signature) =>
        $$"""{"schemaVersion":1,"state":"{{state}}","keyId":"{{keyId}}","signature":"{{signature}}"}""";

    private byte[] RandomBytes(int length)
    {
        var bytes = new byte[length];
        _random.NextBytes(bytes);
        return bytes;
    }

    private string RandomHex(int length) => Convert.ToHexStringLower(RandomBytes((length + 1) / 2))[..length];

    private byte[] BitFlipped()
    {
        var copy = (byte[])_valid.Clone();
        for (var flips = _random.Next(1, 4); flips > 0; flips--)
        {
            copy[_random.Next(copy.Length)] ^= (byte)(1 << _random.Next(8));
        }

        return copy;
    }

    private string WrongTypes()
    {
        string[] values = ["\"1\"", "true", "null", "[]", "{}", "1.5", "-1", "\"\"", "[1,2]", "{\"a\":1}"];
        string Pick() => values[_random.Next(values.Length)];
        return _random.Next(2) == 0
            ? $$"""{"schemaVersion":{{(_random.Next(3) == 0 ? Pick() : "1")}},"state":{{Pick()}},"keyId":{{Pick()}},"signature":{{Pick()}}}"""
            : $$"""{"schemaVersion":1,"version":{{Pick()}},"mode":{{Pick()}},"deviceId":{{Pick()}},"model":{{Pick()}}}""";
    }

    private string HugeNumbers()
    {
        string[] numbers = ["1e400", "-1e400", "99999999999999999999999999999", "9223372036854775808", "-9223372036854775809", "1.7976931348623157e309", "0.0000000000000000000000001e-400"];
        var number = numbers[_random.Next(numbers.Length)];
        return _random.Next(2) == 0
            ? $$"""{"schemaVersion":{{number}},"state":"e30=","keyId":"k","signature":"c2ln"}"""
            : $$"""{"schemaVersion":1,"version":{{number}},"mode":"normal","deviceId":"{{_deviceId}}"}""";
    }

    private string DeepNesting()
    {
        var depth = _random.Next(60, 5_000);
        var open = _random.Next(2) == 0 ? "[" : "{\"a\":";
        var close = open == "[" ? "]" : "}";
        return string.Concat(Enumerable.Repeat(open, depth)) + "1" + string.Concat(Enumerable.Repeat(close, depth));
    }

    private byte[] InvalidUtf8()
    {
        byte[][] bad = [[0xC3, 0x28], [0xFF], [0xED, 0xA0, 0x80], [0xF8, 0x88, 0x80, 0x80, 0x80], [0xE2, 0x82]];
        var text = Encoding.UTF8.GetString(_valid);
        var at = _random.Next(1, text.Length - 1);
        return [.. Encoding.UTF8.GetBytes(text[..at]), .. bad[_random.Next(bad.Length)], .. Encoding.UTF8.GetBytes(text[at..])];
    }

    private DesiredState RogueState() =>
        new(MqttPayloads.SchemaVersion, _random.NextInt64(1, long.MaxValue), DegradationModes.All[_random.Next(DegradationModes.All.Count)], DateTimeOffset.UnixEpoch, "rogue", DeviceId: _deviceId);

    private byte[] AlteredState()
    {
        var envelope = JsonNode.Parse(_valid)!;
        var state = MqttPayloads.Serialize(RogueState());
        envelope["state"] = Convert.ToBase64String(state);
        return Utf8(envelope.ToJsonString());
    }
}
