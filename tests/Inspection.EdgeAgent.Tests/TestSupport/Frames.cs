using OpenCvSharp;

namespace Inspection.EdgeAgent.Tests.TestSupport;

/// <summary>Test frames, written with OpenCV.</summary>
internal static class Frames
{
    /// <summary>A uniform frame; square by default, so the model sees it without letterbox padding.</summary>
    public static Mat Grey(byte level, int width = 64, int height = 64) => new(height, width, MatType.CV_8UC3, new Scalar(level, level, level));

    /// <summary>
    /// Seeded noise around <paramref name="level"/> (±40): the model scores it like a uniform frame of that
    /// level, but its JPEG is large, as real frames are.
    /// </summary>
    public static Mat Noisy(byte level, int width, int height, int seed = 1)
    {
        var random = new Random(seed);
        var pixels = new byte[width * height * 3];
        for (var i = 0; i < pixels.Length; i++)
        {
            pixels[i] = (byte)(level - 40 + random.Next(81));
        }

        var frame = new Mat(height, width, MatType.CV_8UC3);
        System.Runtime.InteropServices.Marshal.Copy(pixels, 0, frame.Data, pixels.Length);
        return frame;
    }

    /// <summary>Writes an MJPG .avi of <paramref name="count"/> frames, each a little brighter than the last.</summary>
    public static string WriteVideo(string path, int count, int width = 64, int height = 48)
    {
        using (var writer = new VideoWriter(path, FourCC.MJPG, 15, new Size(width, height)))
        {
            if (!writer.IsOpened())
            {
                throw new InvalidOperationException("OpenCV cannot write an MJPG video here.");
            }

            for (var i = 0; i < count; i++)
            {
                using var frame = Grey((byte)(20 + (i * 10)), width, height);
                writer.Write(frame);
            }
        }

        return path;
    }

    public static void WriteImage(string path, byte level)
    {
        using var frame = Grey(level);
        if (!Cv2.ImWrite(path, frame))
        {
            throw new InvalidOperationException($"OpenCV cannot write {path}.");
        }
    }
}
