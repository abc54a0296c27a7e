using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Inspection.Contracts.V1;
using OpenCvSharp;

namespace Inspection.CloudInference.Tests.Infrastructure;

/// <summary>Escalation requests (frames and parts) carrying real JPEGs of a uniform grey level.</summary>
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

    /// <summary>
    /// A part escalated by the tracker: the first JPEG in the request's own fields (frame <paramref name="partId"/> + 10),
    /// the others as part frames (+11, +12, …), each with <paramref name="partBox"/> (null: no box, as a trigger sends).
    /// </summary>
    public static EscalationRequest Part(string deviceId, ulong partId, IReadOnlyList<byte[]> jpegs, PartBox? partBox = null, uint framesSeen = 9)
    {
        var request = Request(deviceId, partId, jpegs[0]);
        request.Reason = "uncertain part";
        request.Part = new PartInfo
        {
            PartId = partId,
            Source = "tracker",
            FramesSeen = framesSeen,
            FramesUncertain = (uint)jpegs.Count,
            FirstSeen = Timestamp.FromDateTimeOffset(new DateTimeOffset(2026, 11, 26, 7, 59, 59, TimeSpan.Zero)),
            LastSeen = Timestamp.FromDateTimeOffset(new DateTimeOffset(2026, 11, 26, 8, 0, 1, TimeSpan.Zero)),
            FrameSequence = partId + 10,
            PartBox = partBox,
        };
        for (var i = 1; i < jpegs.Count; i++)
        {
            var frame = new PartFrame
            {
                Sequence = partId + 10 + (ulong)i,
                CapturedAt = request.CapturedAt,
                Jpeg = ByteString.CopyFrom(jpegs[i]),
                Width = 64,
                Height = 48,
                PartBox = partBox,
            };
            frame.EdgeDetections.Add(new Contracts.V1.Detection { ClassId = 0, ClassName = "scratch", Confidence = 0.3f + (0.01f * i), X1 = 1, Y1 = 2, X2 = 30, Y2 = 20 });
            request.PartFrames.Add(frame);
        }

        return request;
    }

    /// <summary><see cref="Part(string, ulong, IReadOnlyList{byte[]}, PartBox?, uint)"/> with frames of the given grey levels.</summary>
    public static EscalationRequest Part(string deviceId, ulong partId, params byte[] greys) =>
        Part(deviceId, partId, [.. greys.Select(g => Jpeg(g))]);
}
