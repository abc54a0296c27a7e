using System.Globalization;
using OpenCvSharp;

namespace Inspection.ModelTools.Evaluation.Cascade;

/// <summary>
/// A white image with one framed plot area, ticks, grid lines, axis labels, a title and a legend column on the
/// right, drawn with OpenCV primitives. Data coordinates map linearly onto the plot area.
/// </summary>
internal sealed class ChartCanvas : IDisposable
{
    public static readonly Scalar Black = new(0, 0, 0);
    public static readonly Scalar Grey = new(150, 150, 150);

    // A colour-blind-friendly cycle (BGR): blue, orange, green, red, purple, brown.
    public static readonly Scalar[] Palette =
    [
        new(180, 119, 31), new(14, 127, 255), new(44, 160, 44), new(40, 39, 214), new(189, 103, 148), new(75, 86, 140),
    ];

    private const HersheyFonts Font = HersheyFonts.HersheySimplex;
    private const double FontScale = 0.5;
    private const int LegendWidth = 250;

    private readonly Rect _plot;
    private readonly double _xMin;
    private readonly double _xMax;
    private readonly double _yMin;
    private readonly double _yMax;
    private int _legendLine;

    public ChartCanvas(int width, int height, Axis x, Axis y, string title)
    {
        Image = new Mat(height, width, MatType.CV_8UC3, Scalar.All(255));
        _plot = new Rect(80, 45, width - 80 - LegendWidth - 20, height - 45 - 60);
        (_xMin, _xMax, _yMin, _yMax) = (x.Min, x.Max, y.Min, y.Max);
        Text(title, new Point(_plot.Left, 28), Black, 0.6, 2);
        DrawAxes(x, y);
    }

    public Mat Image { get; }

    public Point ToPixel(double x, double y) => new(
        _plot.Left + (int)Math.Round((x - _xMin) / (_xMax - _xMin) * _plot.Width),
        _plot.Bottom - (int)Math.Round((y - _yMin) / (_yMax - _yMin) * _plot.Height));

    public void Polyline(IEnumerable<(double X, double Y)> points, Scalar color, int thickness = 2)
    {
        var pixels = new List<Point>();
        foreach (var (x, y) in points)
        {
            var pixel = ToPixel(x, y);
            if (pixels.Count == 0 || pixels[^1] != pixel)
            {
                pixels.Add(pixel);
            }
        }

        if (pixels.Count == 1)
        {
            Marker(pixels[0], color, 2, filled: true);
        }
        else if (pixels.Count > 1)
        {
            using var clip = new Mat(Image, _plot);
            var shifted = pixels.Select(p => new Point(p.X - _plot.Left, p.Y - _plot.Top)).ToArray();
            Cv2.Polylines(clip, [shifted], isClosed: false, color, thickness, LineTypes.AntiAlias);
        }
    }

    /// <summary>A horizontal line across the plot at data height <paramref name="y"/>.</summary>
    public void HorizontalLine(double y, Scalar color, bool dashed)
    {
        var left = ToPixel(_xMin, y);
        if (left.Y >= _plot.Top && left.Y <= _plot.Bottom)
        {
            Segment(left, ToPixel(_xMax, y), color, dashed);
        }
    }

    /// <summary>A vertical line across the plot at data position <paramref name="x"/>.</summary>
    public void VerticalLine(double x, Scalar color, bool dashed)
    {
        var top = ToPixel(x, _yMax);
        if (top.X >= _plot.Left && top.X <= _plot.Right)
        {
            Segment(top, ToPixel(x, _yMin), color, dashed);
        }
    }

    public void Marker(Point pixel, Scalar color, int radius, bool filled) =>
        Cv2.Circle(Image, pixel, radius, color, filled ? -1 : 2, LineTypes.AntiAlias);

    public void Text(string text, Point origin, Scalar color, double scale = FontScale, int thickness = 1) =>
        Cv2.PutText(Image, text, origin, Font, scale, color, thickness, LineTypes.AntiAlias);

    /// <summary>
    /// A label on a white backdrop beside a data point, <paramref name="below"/> or above it, kept inside the plot:
    /// sweep points crowd together and would hide bare text.
    /// </summary>
    public void Annotate(Point pixel, string text, Scalar color, bool below)
    {
        var size = Cv2.GetTextSize(text, Font, FontScale, 1, out var baseline);
        var x = Math.Clamp(pixel.X + 12, _plot.Left + 4, _plot.Right - size.Width - 4);
        var top = _plot.Top + size.Height + 4;
        var bottom = _plot.Bottom - baseline - 4;
        var y = below ? pixel.Y + 16 + size.Height : pixel.Y - 16;

        // Near the frame, flip to the other side rather than clamp the label onto its own marker.
        if (y > bottom || y < top)
        {
            y = below ? pixel.Y - 16 : pixel.Y + 16 + size.Height;
        }

        y = Math.Clamp(y, top, bottom);
        Cv2.Rectangle(Image, new Rect(x - 3, y - size.Height - 3, size.Width + 6, size.Height + baseline + 6), Scalar.All(255), -1);
        Cv2.Rectangle(Image, new Rect(x - 3, y - size.Height - 3, size.Width + 6, size.Height + baseline + 6), color, 1);
        Text(text, new Point(x, y), color);
    }

    /// <summary>The next line of the legend column: a swatch in <paramref name="color"/> and the text.</summary>
    public void LegendEntry(string text, Scalar? color, LegendSwatch swatch = LegendSwatch.Line)
    {
        var top = _plot.Top + 12 + (_legendLine++ * 22);
        var left = _plot.Right + 20;
        if (color is { } c)
        {
            switch (swatch)
            {
                case LegendSwatch.Line:
                    Cv2.Line(Image, new Point(left, top - 4), new Point(left + 24, top - 4), c, 2, LineTypes.AntiAlias);
                    break;
                case LegendSwatch.Dashed:
                    Cv2.Line(Image, new Point(left, top - 4), new Point(left + 8, top - 4), c, 1, LineTypes.AntiAlias);
                    Cv2.Line(Image, new Point(left + 16, top - 4), new Point(left + 24, top - 4), c, 1, LineTypes.AntiAlias);
                    break;
                case LegendSwatch.Dot:
                    Cv2.Circle(Image, new Point(left + 12, top - 4), 5, c, -1, LineTypes.AntiAlias);
                    break;
                case LegendSwatch.Ring:
                    Cv2.Circle(Image, new Point(left + 12, top - 4), 7, c, 2, LineTypes.AntiAlias);
                    break;
            }
        }

        Text(text, new Point(left + 32, top), Black);
    }

    public byte[] EncodePng()
    {
        Cv2.ImEncode(".png", Image, out var png);
        return png;
    }

    /// <summary>A straight axis-parallel line from <paramref name="from"/> to <paramref name="to"/> (right or down), dashed in 8-px steps if asked.</summary>
    private void Segment(Point from, Point to, Scalar color, bool dashed)
    {
        const int dash = 8;
        var horizontal = from.Y == to.Y;
        var (start, stop) = horizontal ? (from.X, to.X) : (from.Y, to.Y);
        for (var at = start; at < stop; at += dashed ? 2 * dash : stop - start)
        {
            var end = dashed ? Math.Min(at + dash, stop) : stop;
            Cv2.Line(Image, horizontal ? new Point(at, from.Y) : new Point(from.X, at), horizontal ? new Point(end, from.Y) : new Point(from.X, end),
                color, 1, LineTypes.AntiAlias);
        }
    }

    public void Dispose() => Image.Dispose();

    private void DrawAxes(Axis x, Axis y)
    {
        var light = new Scalar(225, 225, 225);
        foreach (var value in x.Ticks())
        {
            var p = ToPixel(value, _yMin);
            Cv2.Line(Image, new Point(p.X, _plot.Top), new Point(p.X, _plot.Bottom), light, 1);
            Cv2.Line(Image, new Point(p.X, _plot.Bottom), new Point(p.X, _plot.Bottom + 5), Black, 1);
            var label = x.Format(value);
            var size = Cv2.GetTextSize(label, Font, FontScale, 1, out _);
            Text(label, new Point(p.X - (size.Width / 2), _plot.Bottom + 8 + size.Height), Black);
        }

        foreach (var value in y.Ticks())
        {
            var p = ToPixel(_xMin, value);
            Cv2.Line(Image, new Point(_plot.Left, p.Y), new Point(_plot.Right, p.Y), light, 1);
            Cv2.Line(Image, new Point(_plot.Left - 5, p.Y), new Point(_plot.Left, p.Y), Black, 1);
            var label = y.Format(value);
            var size = Cv2.GetTextSize(label, Font, FontScale, 1, out _);
            Text(label, new Point(_plot.Left - 8 - size.Width, p.Y + (size.Height / 2)), Black);
        }

        Cv2.Rectangle(Image, _plot, Black, 1);
        var xSize = Cv2.GetTextSize(x.Label, Font, FontScale, 1, out _);
        Text(x.Label, new Point(_plot.Left + ((_plot.Width - xSize.Width) / 2), _plot.Bottom + 48), Black);

        // OpenCV writes only horizontal text: draw the y label on a strip and turn it a quarter.
        var ySize = Cv2.GetTextSize(y.Label, Font, FontScale, 1, out var baseline);
        using var strip = new Mat(ySize.Height + baseline + 4, ySize.Width + 4, MatType.CV_8UC3, Scalar.All(255));
        Cv2.PutText(strip, y.Label, new Point(2, ySize.Height + 2), Font, FontScale, Black, 1, LineTypes.AntiAlias);
        using var turned = new Mat();
        Cv2.Rotate(strip, turned, RotateFlags.Rotate90Counterclockwise);
        var top = Math.Max(0, _plot.Top + ((_plot.Height - turned.Height) / 2));
        if (turned.Height <= Image.Height - top)
        {
            using var target = new Mat(Image, new Rect(8, top, turned.Width, turned.Height));
            turned.CopyTo(target);
        }
    }

    /// <summary>One axis: its range, tick spacing and how a tick is written.</summary>
    internal sealed record Axis(string Label, double Min, double Max, double Tick, Func<double, string> Format)
    {
        public static Axis Fraction(string label, double min, double max, double tick) =>
            new(label, min, max, tick, v => v.ToString("0.00", CultureInfo.InvariantCulture));

        public static Axis Percent(string label, double min, double max, double tick) =>
            new(label, min, max, tick, v => (v * 100).ToString("0", CultureInfo.InvariantCulture) + "%");

        public IEnumerable<double> Ticks()
        {
            var count = (int)Math.Round((Max - Min) / Tick);
            return Enumerable.Range(0, count + 1).Select(k => Min + (k * Tick));
        }
    }
}
