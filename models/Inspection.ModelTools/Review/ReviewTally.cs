using System.Globalization;
using System.Text.Json.Serialization;

namespace Inspection.ModelTools.Review;

/// <summary>What a scripted review pass did: items per action, a person's keystrokes and estimated time.</summary>
public sealed class ReviewTally
{
    public int Accepted { get; private set; }

    public int Fixed { get; private set; }

    public int Rejected { get; private set; }

    public int Keys { get; private set; }

    public int Drags { get; private set; }

    /// <summary>Estimated seconds a person would have spent (<see cref="ReviewEffort"/>).</summary>
    public double PersonSeconds { get; private set; }

    public int Items => Accepted + Fixed + Rejected;

    public double KeystrokesPerItem => Items == 0 ? 0 : (double)(Keys + Drags) / Items;

    /// <summary>Items a person would review per hour at the estimated time per item; 0 when none.</summary>
    public double ItemsPerHour => PersonSeconds <= 0 ? 0 : Items * 3600 / PersonSeconds;

    [JsonIgnore]
    public string Line => string.Create(CultureInfo.InvariantCulture,
        $"{Items} item(s): accept {Accepted}, fix {Fixed}, reject {Rejected}; a person's keys {Keys} and mouse drags {Drags} = "
        + $"{KeystrokesPerItem:F2} per item; estimated {(Items == 0 ? 0 : PersonSeconds / Items):F1} s per item = {ItemsPerHour:F0} items per hour");

    public void Add(ReviewAnswer answer)
    {
        ArgumentNullException.ThrowIfNull(answer);
        switch (answer.Action)
        {
            case "accept":
                Accepted++;
                break;
            case "fix":
                Fixed++;
                break;
            default:
                Rejected++;
                break;
        }

        Keys += answer.Keys;
        Drags += answer.Drags;
        PersonSeconds += ReviewEffort.Seconds(answer);
    }
}
