using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Inspection.Contracts.V1;
using OpenCvSharp;

namespace Inspection.CloudInference.Tests.Infrastructure;

/// <summary>Escalation requests carrying real JPEGs of a uniform grey level.</summary>
public static class TestFrames
{
    public const byte PassGrey = 20;
    public const byte UncertainGrey = 128;
    public const byte DefectGrey = 230;

    public static byte[] Jpeg(byte grey, int width = 64, int height = 48)
    {
        using var frame = new Mat(height, width, MatType.CV_8UC3, new Scalar(grey, grey, grey));
        Cv2.ImEncode(".jpg", frame, out var jpeg);
        return jpeg;
    }

    public static EscalationRequest Request(string deviceId, ulong sequence, byte grey = UncertainGrey) =>
        Request(deviceId, sequence, Jpeg(grey));

    public static EscalationRequest Request(string deviceId, ulong sequence, byte[] jpeg)
    {
        var request = new EscalationRequest
        {
            Key = new FrameKey { DeviceId = deviceId, Sequence = sequence },
            LineId = "line-1",
            CapturedAt = Timestamp.FromDateTimeOffset(new DateTimeOffset(2026, 11, 26, 8, 0, 0, TimeSpan.Zero)),
            Jpeg = ByteString.CopyFrom(jpeg),
            Width = 64,
            Height = 48,
            EdgeModel = new ModelRef { Name = "edge", Version = "1.0.0" },
            Reason = "uncertain: scratch 0.41",
        };
        request.EdgeDetections.Add(new Contracts.V1.Detection { ClassId = 0, ClassName = "scratch", Confidence = 0.41f, X1 = 1, Y1 = 2, X2 = 30, Y2 = 20 });
        return request;
    }
}
