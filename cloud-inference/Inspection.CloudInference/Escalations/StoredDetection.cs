namespace Inspection.CloudInference.Escalations;

/// <summary>One detection as stored and as the JSON API shows it, in pixels of the original frame.</summary>
public sealed class StoredDetection
{
    public int ClassId { get; set; }

    public string ClassName { get; set; } = string.Empty;

    public double Confidence { get; set; }

    public double X1 { get; set; }

    public double Y1 { get; set; }

    public double X2 { get; set; }

    public double Y2 { get; set; }

    public static StoredDetection From(Detection.Detection detection) => new()
    {
        ClassId = detection.ClassId,
        ClassName = detection.ClassName,
        Confidence = detection.Confidence,
        X1 = detection.Box.X1,
        Y1 = detection.Box.Y1,
        X2 = detection.Box.X2,
        Y2 = detection.Box.Y2,
    };

    public static StoredDetection From(Contracts.V1.Detection detection) => new()
    {
        ClassId = detection.ClassId,
        ClassName = detection.ClassName,
        Confidence = detection.Confidence,
        X1 = detection.X1,
        Y1 = detection.Y1,
        X2 = detection.X2,
        Y2 = detection.Y2,
    };

    public Contracts.V1.Detection ToContract() => new()
    {
        ClassId = ClassId,
        ClassName = ClassName,
        Confidence = (float)Confidence,
        X1 = (float)X1,
        Y1 = (float)Y1,
        X2 = (float)X2,
        Y2 = (float)Y2,
    };
}
