using System.IO.Compression;
using System.Net.Http.Json;
using System.Text.Json;
using Inspection.CloudInference.Accounts;
using Inspection.CloudInference.Escalations;
using Inspection.CloudInference.Review;
using Inspection.CloudInference.Tests.Infrastructure;
using Inspection.Contracts.V1;
using Microsoft.Extensions.DependencyInjection;

namespace Inspection.CloudInference.Tests.Escalations;

/// <summary>
/// Audits (the edge decided a part or frame itself and sends it only to be checked, its Parts:AuditShare) over gRPC to
/// the real app: the mark is stored, and a line reviewed whole shows them to a person with what the edge decided.
/// </summary>
public sealed class AuditEscalationTests : IDisposable
{
    private readonly TempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task Escalate_AuditsOfALineReviewedWhole_MarkStoredAndShownOnTheReviewItems()
    {
        await using var cloud = await TestCloud.StartAsync(_directory.Path, ["--Cloud:Review:AllOnLines:0=line-1"]);
        var cancellationToken = TestContext.Current.CancellationToken;
        var auditedPart = TestFrames.Part("cam-1", 100, TestFrames.DefectGrey);
        auditedPart.EdgeAudit = Verdict.Defect;
        auditedPart.Reason = "audit: the edge decided defect (scratch 0.91)";
        var auditedFrame = TestFrames.Request("cam-1", 7, TestFrames.PassGrey);
        auditedFrame.EdgeAudit = Verdict.Pass;
        var uncertain = TestFrames.Part("cam-1", 200, TestFrames.UncertainGrey);

        var replies = await cloud.EscalateAsync(auditedPart, auditedFrame, uncertain);

        Assert.All(replies, r => Assert.Empty(r.Error));
        var store = cloud.App.Services.GetRequiredService<EscalationStore>();
        Assert.Equal(
            [(100L, "defect", "defect"), (7L, "pass", "pass"), (200L, null, "uncertain")],
            new long[] { 100, 7, 200 }.Select(s => store.Find("cam-1", (ulong)s)!).Select(e => (e.Sequence, e.EdgeAudit, e.Verdict)));
        using var operatorClient = cloud.ClientAs(AccountRoles.Operator);
        var queue = await operatorClient.GetFromJsonAsync<ReviewQueue>("api/review/queue", cancellationToken);
        Assert.Equal(
            [("cam-1/100", "defect"), ("cam-1/200", null), ("cam-1/7", "pass")],
            queue!.Items.Select(i => (i.Key, i.EdgeAudit)).OrderBy(i => i.Key, StringComparer.Ordinal));
        var item = await operatorClient.GetFromJsonAsync<ReviewItem>("api/review/items/cam-1/100", cancellationToken);
        Assert.Equal(("defect", "defect", "audit: the edge decided defect (scratch 0.91)"), (item!.EdgeAudit, item.CloudVerdict, item.Reason));

        // Reviewed, the audit's mark goes with its image into the dataset export.
        using (var accepted = await operatorClient.PostAsync("api/review/items/cam-1/100/accept", null, cancellationToken))
        {
            accepted.EnsureSuccessStatusCode();
        }

        using var engineer = cloud.ClientAs(AccountRoles.Engineer);
        using var zip = new ZipArchive(new MemoryStream(await engineer.GetByteArrayAsync("api/review/export", cancellationToken)));
        var provenance = JsonDocument.Parse(new StreamReader(zip.GetEntry("provenance.jsonl")!.Open()).ReadToEnd().Trim()).RootElement;
        Assert.Equal(("cam-1/100", "defect"), (provenance.GetProperty("escalationKey").GetString(), provenance.GetProperty("edgeAudit").GetString()));
    }

    [Fact]
    public async Task Escalate_AuditOfALineNotReviewedWhole_DecidedByTheCloudAndNotQueued()
    {
        await using var cloud = await TestCloud.StartAsync(_directory.Path);
        var audited = TestFrames.Part("cam-2", 300, TestFrames.PassGrey);
        audited.EdgeAudit = Verdict.Pass;

        var reply = Assert.Single(await cloud.EscalateAsync(audited));

        Assert.Equal(Verdict.Pass, reply.Verdict);
        Assert.Equal("pass", cloud.App.Services.GetRequiredService<EscalationStore>().Find("cam-2", 300)!.EdgeAudit);
        using var operatorClient = cloud.ClientAs(AccountRoles.Operator);
        var queue = await operatorClient.GetFromJsonAsync<ReviewQueue>("api/review/queue", TestContext.Current.CancellationToken);
        Assert.Empty(queue!.Items);
    }
}
