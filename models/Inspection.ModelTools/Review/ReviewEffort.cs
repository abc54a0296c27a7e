namespace Inspection.ModelTools.Review;

/// <summary>
/// A person's time per item, estimated with the keystroke-level model (Card, Moran and Newell, 1980), not measured:
/// a mental step (look and decide) per frame shown, a keystroke per key, point-press-point-release per mouse action,
/// and for a fix the two moves of the hand between keyboard and mouse.
/// </summary>
public static class ReviewEffort
{
    /// <summary>M: a mental step, seconds.</summary>
    public const double MentalSeconds = 1.35;

    /// <summary>K: one key of an average typist, seconds.</summary>
    public const double KeySeconds = 0.28;

    /// <summary>P + B + P + B: point at a box, press, drag to where it goes, release, seconds.</summary>
    public const double DragSeconds = 2.4;

    /// <summary>H: hand from keyboard to mouse or back, seconds.</summary>
    public const double HomingSeconds = 0.4;

    /// <summary>Estimated seconds a person spends on an item answered as <paramref name="answer"/> says.</summary>
    public static double Seconds(ReviewAnswer answer)
    {
        ArgumentNullException.ThrowIfNull(answer);
        return (answer.FramesShown * MentalSeconds) + (answer.Keys * KeySeconds) + (answer.Drags * DragSeconds)
            + (answer.Drags > 0 ? 2 * HomingSeconds : 0);
    }
}
