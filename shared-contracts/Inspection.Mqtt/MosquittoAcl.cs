using System.Text;
using Inspection.Contracts.Mqtt;

namespace Inspection.Mqtt;

/// <summary>
/// A mosquitto <c>acl_file</c>: <c>user</c> blocks of <c>topic [read|write|readwrite|deny] filter</c> lines and
/// <c>pattern</c> lines for every client (<c>%u</c> = user name, <c>%c</c> = client id). Written by the operator CLI,
/// enforced by mosquitto and, read from the same file, by the embedded broker.
/// </summary>
public sealed class MosquittoAcl
{
    private readonly List<Rule> _rules;

    private MosquittoAcl(List<Rule> rules)
    {
        _rules = rules;
    }

    /// <summary>
    /// The fleet's rules: the cloud's account reads every device's reported state, status, events and OTA progress
    /// and writes every desired state, OTA command and reviewed verdict; each device (user name = device id) writes only
    /// its own reported, status, events and ota/progress, and reads only its own desired, ota and verdicts.
    /// </summary>
    public static string ForFleet(string cloudUser)
    {
        var text = new StringBuilder();
        text.AppendLine("# Broker ACL of the inspection fleet (mosquitto acl_file syntax), from 'identity mqtt'.");
        text.AppendLine("# The cloud's account: reads what every device reports, writes what every device is told.");
        text.AppendLine($"user {cloudUser}");
        foreach (var suffix in DeviceWrites)
        {
            text.AppendLine($"topic read {MqttTopics.AllDevices(suffix)}");
        }

        foreach (var suffix in DeviceReads)
        {
            text.AppendLine($"topic write {MqttTopics.AllDevices(suffix)}");
        }

        text.AppendLine();
        text.AppendLine("# Every device, by its user name (its device id): only its own topics.");
        foreach (var suffix in DeviceWrites)
        {
            text.AppendLine($"pattern write {MqttTopics.Root}/devices/%u/{suffix}");
        }

        foreach (var suffix in DeviceReads)
        {
            text.AppendLine($"pattern read {MqttTopics.Root}/devices/%u/{suffix}");
        }

        return text.ToString();
    }

    private static readonly string[] DeviceWrites = [MqttTopics.ReportedSuffix, MqttTopics.StatusSuffix, MqttTopics.EventsSuffix, MqttTopics.OtaProgressSuffix];

    private static readonly string[] DeviceReads = [MqttTopics.DesiredSuffix, "ota", MqttTopics.VerdictsSuffix];

    /// <summary>Reads an ACL file.</summary>
    /// <exception cref="InvalidDataException">A line is not one mosquitto understands; the message gives the line number.</exception>
    public static MosquittoAcl Load(string path) => Parse(File.ReadLines(path), path);

    /// <summary>Parses ACL text; <paramref name="source"/> names it in error messages.</summary>
    public static MosquittoAcl Parse(IEnumerable<string> lines, string source)
    {
        var rules = new List<Rule>();
        string? user = null;
        var number = 0;
        foreach (var raw in lines)
        {
            number++;
            var line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }

            var words = line.Split(' ', 3, StringSplitOptions.RemoveEmptyEntries);
            switch (words[0])
            {
                case "user" when words.Length >= 2:
                    user = line["user".Length..].Trim();
                    break;
                case "topic" or "pattern" when words.Length >= 2:
                    var (access, topic) = words.Length == 3 && TryAccess(words[1], out var a) ? (a, words[2]) : (Access.ReadWrite, line[words[0].Length..].Trim());
                    rules.Add(new Rule(words[0] == "pattern" ? null : user, words[0] == "pattern", access, topic));
                    break;
                default:
                    throw new InvalidDataException($"{source}:{number}: '{line}' is not a mosquitto ACL line (user, topic or pattern).");
            }
        }

        return new MosquittoAcl(rules);
    }

    /// <summary>Whether <paramref name="user"/> may publish to <paramref name="topic"/>.</summary>
    public bool CanPublish(string? user, string clientId, string topic) => Allows(user, clientId, topic, Access.Write);

    /// <summary>
    /// Whether <paramref name="user"/> may subscribe to <paramref name="filter"/>: only when every topic the filter
    /// matches is readable, so a device's <c>inspection/v1/devices/+/desired</c> is refused, not half-granted.
    /// </summary>
    public bool CanSubscribe(string? user, string clientId, string filter) => Allows(user, clientId, filter, Access.Read);

    private bool Allows(string? user, string clientId, string topic, Access wanted)
    {
        var granted = false;
        foreach (var rule in _rules)
        {
            if (!rule.IsPattern && rule.User != user)
            {
                continue;
            }

            string filter;
            if (rule.IsPattern)
            {
                // As mosquitto: a user name or client id that would smuggle levels or wildcards into a pattern matches nothing.
                if ((rule.Topic.Contains("%u", StringComparison.Ordinal) && (user is null || HasTopicSyntax(user)))
                    || (rule.Topic.Contains("%c", StringComparison.Ordinal) && HasTopicSyntax(clientId)))
                {
                    continue;
                }

                filter = rule.Topic.Replace("%u", user, StringComparison.Ordinal).Replace("%c", clientId, StringComparison.Ordinal);
            }
            else
            {
                filter = rule.Topic;
            }

            if (!Covers(filter, topic))
            {
                continue;
            }

            if (rule.Access == Access.Deny)
            {
                return false;
            }

            granted |= (rule.Access & wanted) == wanted;
        }

        return granted;
    }

    /// <summary>Whether every topic <paramref name="requested"/> can name (a topic, or a filter with wildcards) matches <paramref name="rule"/>.</summary>
    internal static bool Covers(string rule, string requested)
    {
        var r = rule.Split('/');
        var q = requested.Split('/');
        for (var i = 0; i < r.Length; i++)
        {
            if (r[i] == "#")
            {
                return true;
            }

            if (i >= q.Length || q[i] == "#")
            {
                return false;
            }

            if (r[i] != "+" && (r[i] != q[i]))
            {
                return false;
            }
        }

        return q.Length == r.Length;
    }

    private static bool HasTopicSyntax(string value) => value.AsSpan().IndexOfAny("/+#") >= 0;

    private static bool TryAccess(string word, out Access access)
    {
        access = word switch
        {
            "read" => Access.Read,
            "write" => Access.Write,
            "readwrite" => Access.ReadWrite,
            "deny" => Access.Deny,
            _ => Access.None,
        };
        return access != Access.None;
    }

    [Flags]
    private enum Access
    {
        None = 0,
        Read = 1,
        Write = 2,
        ReadWrite = Read | Write,
        Deny = 4,
    }

    private sealed record Rule(string? User, bool IsPattern, Access Access, string Topic);
}
