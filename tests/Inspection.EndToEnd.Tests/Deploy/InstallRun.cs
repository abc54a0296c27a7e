namespace Inspection.EndToEnd.Tests.Deploy;

/// <summary>One run of install.sh: its exit code, what it printed, and the commands it had the stubs run.</summary>
internal sealed record InstallRun(int ExitCode, string Output, IReadOnlyList<string> Calls)
{
    /// <summary>The index of the first call starting with <paramref name="prefix"/>, or -1.</summary>
    public int IndexOfCall(string prefix) => Calls.ToList().FindIndex(call => call.StartsWith(prefix, StringComparison.Ordinal));

    /// <summary>Commands that change the machine: a preflight failure must not have run any.</summary>
    public IEnumerable<string> ChangingCalls => Calls.Where(call => !call.StartsWith("id ", StringComparison.Ordinal)
        && !call.StartsWith("systemctl is-active", StringComparison.Ordinal));

    public override string ToString() => $"exit code {ExitCode}\n{Output}\ncalls:\n{string.Join('\n', Calls)}";
}
