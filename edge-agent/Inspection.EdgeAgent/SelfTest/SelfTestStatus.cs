using System.Text.Json.Serialization;

namespace Inspection.EdgeAgent.SelfTest;

/// <summary>How one self-test check ended.</summary>
public enum SelfTestStatus
{
    /// <summary>The check ran and what it checks works.</summary>
    [JsonStringEnumMemberName("pass")]
    Pass = 0,

    /// <summary>The check ran and found a problem; its detail says which.</summary>
    [JsonStringEnumMemberName("fail")]
    Fail = 1,

    /// <summary>The check was not run (<c>--skip</c>).</summary>
    [JsonStringEnumMemberName("skip")]
    Skip = 2,
}
