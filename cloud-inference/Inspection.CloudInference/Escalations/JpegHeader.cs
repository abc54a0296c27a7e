namespace Inspection.CloudInference.Escalations;

/// <summary>
/// Reads a JPEG's pixel size from its frame header (the SOF marker segment) without decoding it, so a frame too large
/// to decode is refused before it takes any pixel memory. OpenCV has no header-only read: <c>imdecode</c> allocates the
/// whole image.
/// </summary>
public static class JpegHeader
{
    /// <summary>
    /// The width and height the first frame header states. False when the bytes are not a JPEG, end before a frame
    /// header, or state a size of zero (a height deferred to a DNL marker, which the decoder does not support either).
    /// </summary>
    public static bool TryReadSize(ReadOnlySpan<byte> jpeg, out int width, out int height)
    {
        width = 0;
        height = 0;
        if (jpeg.Length < 4 || jpeg[0] != 0xFF || jpeg[1] != 0xD8)
        {
            return false;
        }

        var at = 2;
        while (at < jpeg.Length && jpeg[at] == 0xFF)
        {
            // A marker may be preceded by any number of 0xFF fill bytes.
            while (at < jpeg.Length && jpeg[at] == 0xFF)
            {
                at++;
            }

            if (at >= jpeg.Length)
            {
                return false;
            }

            var marker = jpeg[at++];
            if (marker is 0x01 or (>= 0xD0 and <= 0xD7))
            {
                continue; // stand-alone markers: no length
            }

            // A second SOI, the end of the image, the scan data or a stuffed zero before any frame header: no size here.
            if (marker is 0x00 or 0xD8 or 0xD9 or 0xDA || at + 2 > jpeg.Length)
            {
                return false;
            }

            var length = (jpeg[at] << 8) | jpeg[at + 1];
            if (length < 2 || at + length > jpeg.Length)
            {
                return false;
            }

            if (IsFrameHeader(marker))
            {
                // Length (2), sample precision (1), number of lines (2), samples per line (2).
                if (length < 7)
                {
                    return false;
                }

                height = (jpeg[at + 3] << 8) | jpeg[at + 4];
                width = (jpeg[at + 5] << 8) | jpeg[at + 6];
                return width > 0 && height > 0;
            }

            at += length;
        }

        return false;
    }

    // SOF0-SOF15 except DHT (C4), JPG (C8) and DAC (CC), which share the range.
    private static bool IsFrameHeader(byte marker) => marker is >= 0xC0 and <= 0xCF and not 0xC4 and not 0xC8 and not 0xCC;
}
