namespace Inspection.Detection;

/// <summary>The Ultralytics detection output layouts the detector understands.</summary>
public enum YoloOutputLayout
{
    /// <summary>YOLOv8/11: <c>[1, 4+nc, N]</c>, rows cx, cy, w, h, then one score per class; needs NMS.</summary>
    YoloV8 = 0,

    /// <summary>YOLOv5: <c>[1, N, 5+nc]</c>, columns cx, cy, w, h, objectness, class scores; needs NMS.</summary>
    YoloV5 = 1,

    /// <summary>End-to-end (NMS inside the model): <c>[1, K, 6]</c>, columns x1, y1, x2, y2, score, class.</summary>
    EndToEnd = 2,
}
