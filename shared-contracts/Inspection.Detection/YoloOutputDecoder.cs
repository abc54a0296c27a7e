namespace Inspection.Detection;

/// <summary>
/// Recognises which Ultralytics layout an output tensor has and decodes it into candidates in network-input
/// pixels. Pure: works on a span and a shape, so it is tested without a model.
/// </summary>
public sealed class YoloOutputDecoder
{
    /// <summary>
    /// End-to-end heads keep at most a few hundred boxes (Ultralytics' default is 300), while a YOLOv5 head
    /// has thousands of anchor rows even at small input sizes; this separates the two when both fit.
    /// </summary>
    public const int MaxEndToEndRows = 1000;

    private YoloOutputDecoder(YoloOutputLayout layout, int boxCount, int classCount)
    {
        Layout = layout;
        BoxCount = boxCount;
        ClassCount = classCount;
    }

    public YoloOutputLayout Layout { get; }

    /// <summary>Boxes per output: N anchors for YOLOv8/v5, K rows for end-to-end.</summary>
    public int BoxCount { get; }

    /// <summary>
    /// Classes the output scores (YOLOv8/v5), or the classes named in the metadata for end-to-end
    /// (0 when unknown: the class id is in the output).
    /// </summary>
    public int ClassCount { get; }

    /// <summary>Number of floats a matching output holds.</summary>
    public int OutputLength => Layout switch
    {
        YoloOutputLayout.YoloV8 => (4 + ClassCount) * BoxCount,
        YoloOutputLayout.YoloV5 => BoxCount * (5 + ClassCount),
        _ => BoxCount * 6,
    };

    /// <summary>
    /// Chooses the layout for an output of <paramref name="shape"/>. <paramref name="namedClasses"/> is the
    /// number of classes in the <c>names</c> metadata (null when absent); <paramref name="endToEnd"/> is the
    /// <c>end2end</c> metadata (null when absent). Throws <see cref="ModelContractException"/> when nothing fits.
    /// </summary>
    /// <remarks>
    /// Rules, in order, for an output <c>[1, A, B]</c>:
    /// 1. <c>end2end</c> metadata true: end-to-end, and B must be 6.
    /// 2. YOLOv8/11 when A == 4 + nc. This wins every tie (e.g. nc = 2 with <c>[1, 6, 6]</c>) because it is
    ///    the layout of current exports. Without names: when 4 &lt; A &lt; B (classes are fewer than anchors).
    /// 3. End-to-end when B == 6 and A ≤ <see cref="MaxEndToEndRows"/> and <c>end2end</c> is not false. With
    ///    nc = 1 this shape is also a valid YOLOv5 output; the row count decides (see <see cref="MaxEndToEndRows"/>).
    /// 4. YOLOv5 when B == 5 + nc. Without names: when B &gt; 5 and A &gt; B.
    /// 5. End-to-end when B == 6 and <c>end2end</c> is not false (a large K).
    /// Otherwise the error says which class count the shape implies, so a wrong <c>names</c> is easy to spot.
    /// </remarks>
    public static YoloOutputDecoder Create(string modelPath, ReadOnlySpan<long> shape, int? namedClasses, bool? endToEnd)
    {
        ArgumentNullException.ThrowIfNull(modelPath);
        var found = FormatShape(shape);
        var expected = namedClasses is { } n
            ? $"YOLOv8/11 [1, {4 + n}, N], YOLOv5 [1, N, {5 + n}] or end-to-end [1, K, 6] for the {n} classes in its names metadata"
            : "YOLOv8/11 [1, 4+nc, N], YOLOv5 [1, N, 5+nc] or end-to-end [1, K, 6]";
        if (shape.Length != 3)
        {
            throw new ModelContractException(modelPath, $"its output has shape {found} (rank {shape.Length}); expected rank 3: {expected}.");
        }

        if (shape[0] != 1 || shape[1] <= 0 || shape[2] <= 0 || shape[1] > int.MaxValue / 8 || shape[2] > int.MaxValue / 8)
        {
            throw new ModelContractException(modelPath, $"its output has shape {found}; expected batch 1 and known sizes: {expected}.");
        }

        var a = (int)shape[1];
        var b = (int)shape[2];
        if (endToEnd == true)
        {
            return b == 6
                ? new YoloOutputDecoder(YoloOutputLayout.EndToEnd, a, namedClasses ?? 0)
                : throw new ModelContractException(modelPath, $"its metadata says end2end but the output has shape {found}; expected [1, K, 6].");
        }

        var mayBeEndToEnd = b == 6 && endToEnd != false;
        if (namedClasses is { } nc)
        {
            if (nc <= 0)
            {
                throw new ModelContractException(modelPath, "its names metadata lists no classes.");
            }

            if (a == 4 + nc)
            {
                return new YoloOutputDecoder(YoloOutputLayout.YoloV8, b, nc);
            }

            if (mayBeEndToEnd && a <= MaxEndToEndRows)
            {
                return new YoloOutputDecoder(YoloOutputLayout.EndToEnd, a, nc);
            }

            if (b == 5 + nc)
            {
                return new YoloOutputDecoder(YoloOutputLayout.YoloV5, a, nc);
            }

            if (mayBeEndToEnd)
            {
                return new YoloOutputDecoder(YoloOutputLayout.EndToEnd, a, nc);
            }

            if (a > 4 && a < b)
            {
                throw new ModelContractException(
                    modelPath,
                    $"its output {found} scores {a - 4} classes per box (YOLOv8/11 layout) but its names metadata lists {nc}; expected {expected}.");
            }

            if (b > 5 && a > b)
            {
                throw new ModelContractException(
                    modelPath,
                    $"its output {found} scores {b - 5} classes per box (YOLOv5 layout) but its names metadata lists {nc}; expected {expected}.");
            }

            throw new ModelContractException(modelPath, $"its output has shape {found}, which matches no supported layout; expected {expected}.");
        }

        if (a > 4 && a < b)
        {
            return new YoloOutputDecoder(YoloOutputLayout.YoloV8, b, a - 4);
        }

        if (mayBeEndToEnd && a <= MaxEndToEndRows)
        {
            return new YoloOutputDecoder(YoloOutputLayout.EndToEnd, a, 0);
        }

        if (b > 5 && a > b)
        {
            return new YoloOutputDecoder(YoloOutputLayout.YoloV5, a, b - 5);
        }

        if (mayBeEndToEnd)
        {
            return new YoloOutputDecoder(YoloOutputLayout.EndToEnd, a, 0);
        }

        throw new ModelContractException(modelPath, $"its output has shape {found}, which matches no supported layout; expected {expected}.");
    }

    /// <summary>
    /// Appends every box whose score is at least <paramref name="scoreThreshold"/> to <paramref name="candidates"/>
    /// (network-input pixels, corners). Boxes with non-finite values are skipped: a broken output yields no
    /// detections rather than garbage. Allocates nothing once <paramref name="candidates"/> has grown.
    /// </summary>
    public void Decode(ReadOnlySpan<float> output, float scoreThreshold, List<DetectionCandidate> candidates)
    {
        ArgumentNullException.ThrowIfNull(candidates);
        if (output.Length != OutputLength)
        {
            throw new ArgumentException(
                $"The output holds {output.Length} floats; a {Layout} output of {BoxCount} boxes and {ClassCount} classes holds {OutputLength}.",
                nameof(output));
        }

        switch (Layout)
        {
            case YoloOutputLayout.YoloV8:
                DecodeV8(output, scoreThreshold, candidates);
                break;
            case YoloOutputLayout.YoloV5:
                DecodeV5(output, scoreThreshold, candidates);
                break;
            default:
                DecodeEndToEnd(output, scoreThreshold, candidates);
                break;
        }
    }

    internal static string FormatShape(ReadOnlySpan<long> shape)
    {
        var parts = new string[shape.Length];
        for (var i = 0; i < shape.Length; i++)
        {
            parts[i] = shape[i] < 0 ? "?" : shape[i].ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        return $"[{string.Join(", ", parts)}]";
    }

    private void DecodeV8(ReadOnlySpan<float> output, float scoreThreshold, List<DetectionCandidate> candidates)
    {
        // Channel-major: value (channel c, box i) sits at c * N + i.
        var n = BoxCount;
        for (var i = 0; i < n; i++)
        {
            var bestClass = -1;
            var best = float.NegativeInfinity;
            for (var c = 0; c < ClassCount; c++)
            {
                var score = output[((4 + c) * n) + i];
                if (score > best)
                {
                    best = score;
                    bestClass = c;
                }
            }

            if (best >= scoreThreshold)
            {
                AddCenterBox(candidates, bestClass, best, output[i], output[n + i], output[(2 * n) + i], output[(3 * n) + i]);
            }
        }
    }

    private void DecodeV5(ReadOnlySpan<float> output, float scoreThreshold, List<DetectionCandidate> candidates)
    {
        var stride = 5 + ClassCount;
        for (var i = 0; i < BoxCount; i++)
        {
            var row = output.Slice(i * stride, stride);
            var objectness = row[4];

            // Class scores are at most 1, so a box whose objectness is already below the threshold cannot pass.
            if (!(objectness >= scoreThreshold))
            {
                continue;
            }

            var bestClass = -1;
            var best = float.NegativeInfinity;
            for (var c = 0; c < ClassCount; c++)
            {
                if (row[5 + c] > best)
                {
                    best = row[5 + c];
                    bestClass = c;
                }
            }

            var confidence = objectness * best;
            if (confidence >= scoreThreshold)
            {
                AddCenterBox(candidates, bestClass, confidence, row[0], row[1], row[2], row[3]);
            }
        }
    }

    private void DecodeEndToEnd(ReadOnlySpan<float> output, float scoreThreshold, List<DetectionCandidate> candidates)
    {
        for (var i = 0; i < BoxCount; i++)
        {
            var row = output.Slice(i * 6, 6);
            var score = row[4];
            var classValue = row[5];
            if (!(score >= scoreThreshold) || !float.IsFinite(classValue) || classValue < 0 || classValue > int.MaxValue)
            {
                continue;
            }

            if (float.IsFinite(row[0]) && float.IsFinite(row[1]) && float.IsFinite(row[2]) && float.IsFinite(row[3]))
            {
                candidates.Add(new DetectionCandidate((int)MathF.Round(classValue), score, row[0], row[1], row[2], row[3]));
            }
        }
    }

    private static void AddCenterBox(List<DetectionCandidate> candidates, int classId, float score, float cx, float cy, float w, float h)
    {
        if (float.IsFinite(cx) && float.IsFinite(cy) && float.IsFinite(w) && float.IsFinite(h) && float.IsFinite(score))
        {
            candidates.Add(new DetectionCandidate(classId, score, cx - (w / 2), cy - (h / 2), cx + (w / 2), cy + (h / 2)));
        }
    }
}
