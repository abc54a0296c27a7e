using System.Net.Http.Json;
using Google.Protobuf;
using Grpc.Core;
using Inspection.CloudInference.Escalations;
using Inspection.CloudInference.Tests.Infrastructure;
using Inspection.Contracts.Api;
using Inspection.Contracts.V1;
using Inspection.EdgeAgent.Tests.TestSupport;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Inspection.CloudInference.Tests.Escalations;

/// <summary>What the cloud refuses, what it keeps of it, and what it logs.</summary>
public sealed class RefusedFrameTests : IDisposable
{
    private readonly TempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task Escalate_SameUndecodableFrameTwentyTimes_OneRecordCountedWithABoundedSample()
    {
        await using var cloud = await TestCloud.StartAsync(_directory.Path);
        var garbage = Undecodable(1024 * 1024);

        for (var i = 0; i < 20; i++)
        {
            var reply = Assert.Single(await cloud.EscalateAsync(TestFrames.Request("cam-1", 7, garbage)));
            Assert.Contains("could not be decoded", reply.Error);
        }

        var rejected = Assert.Single(Store(cloud).LatestRejected(100));
        Assert.Equal((20L, RefusalKind.Undecodable, garbage.Length), (rejected.Count, rejected.Kind, rejected.JpegBytes));
        Assert.Equal(garbage[..4096], rejected.Sample);
        Assert.StartsWith("ipv4:127.0.0.1:", rejected.Peer);
        var summary = await cloud.Http.GetFromJsonAsync<EscalationSummary>("api/summary", TestContext.Current.CancellationToken);
        Assert.Equal((0L, 20L), (summary!.EscalationsStored, summary.Rejected));
    }

    [Fact]
    public async Task Escalate_MoreRefusedKeysThanMaxRecords_OnlyTheMostRecentKeptAndAllCounted()
    {
        await using var cloud = await TestCloud.StartAsync(_directory.Path, ["--Cloud:Rejected:MaxRecords=3", "--Cloud:Rejected:MaxStoredBytes=0"]);

        for (ulong sequence = 1; sequence <= 5; sequence++)
        {
            await cloud.EscalateAsync(TestFrames.Request("cam-1", sequence, Undecodable(100)));
        }

        var kept = Store(cloud).LatestRejected(100);
        Assert.Equal([5m, 4m, 3m], kept.Select(r => r.Sequence));
        Assert.All(kept, r => Assert.Empty(r.Sample));
        var summary = await cloud.Http.GetFromJsonAsync<EscalationSummary>("api/summary", TestContext.Current.CancellationToken);
        Assert.Equal(5L, summary!.Rejected);
    }

    [Fact]
    public async Task Escalate_OneKeyRefusedForTwoReasons_OneRecordPerReason()
    {
        await using var cloud = await TestCloud.StartAsync(_directory.Path);

        await cloud.EscalateAsync(TestFrames.Request("cam-1", 3, Undecodable(100)), TestFrames.Request("cam-1", 3, []), TestFrames.Request("cam-1", 3, Undecodable(200)));

        var kept = Store(cloud).LatestRejected(100);
        Assert.Equal([(RefusalKind.NoJpeg, 1L), (RefusalKind.Undecodable, 2L)], kept.Select(r => (r.Kind, r.Count)).Order());
        Assert.Equal(200, kept.Single(r => r.Kind == RefusalKind.Undecodable).JpegBytes);
    }

    [Fact]
    public async Task Escalate_JpegHeaderStatesMorePixelsThanTheLimit_RefusedNamingBothAndNotDecoded()
    {
        await using var cloud = await TestCloud.StartAsync(_directory.Path);

        // A 64 x 48 JPEG whose header says 12000 x 12000: decoding it would take 432 MB.
        var reply = Assert.Single(await cloud.EscalateAsync(TestFrames.Request("cam-1", 1, WithStatedSize(TestFrames.Jpeg(128), 12000, 12000))));

        Assert.Equal(Verdict.Unspecified, reply.Verdict);
        Assert.Contains("12000x12000", reply.Error);
        Assert.Contains("16777216 pixels (Cloud:Escalations:MaxPixels)", reply.Error);
        Assert.Equal(0, cloud.Detector!.Calls);
        Assert.Equal(RefusalKind.TooManyPixels, Assert.Single(Store(cloud).LatestRejected(10)).Kind);
    }

    [Fact]
    public async Task Escalate_ConfiguredPixelLimit_FramesAboveRefusedAndAtOrBelowJudged()
    {
        await using var cloud = await TestCloud.StartAsync(_directory.Path, ["--Cloud:Escalations:MaxPixels=3072"]);

        var replies = await cloud.EscalateAsync(
            TestFrames.Request("cam-1", 1, TestFrames.Jpeg(128, 64, 48)),
            TestFrames.Request("cam-1", 2, TestFrames.Jpeg(128, 64, 49)));

        Assert.Empty(replies[0].Error);
        Assert.Equal(Verdict.Uncertain, replies[0].Verdict);
        Assert.Contains("64x49 pixels (3136), above the cloud's limit of 3072 pixels", replies[1].Error);
    }

    [Fact]
    public async Task Escalate_PartWithOneFrameAboveThePixelLimit_DecidedOnItsOtherFrames()
    {
        await using var cloud = await TestCloud.StartAsync(_directory.Path);
        var request = TestFrames.Part("cam-1", 30, [TestFrames.Jpeg(TestFrames.PassGrey), WithStatedSize(TestFrames.Jpeg(128), 5000, 5000)]);

        var reply = Assert.Single(await cloud.EscalateAsync(request));

        Assert.Empty(reply.Error);
        Assert.Equal(Verdict.Pass, reply.Verdict);
        var stored = Store(cloud).Find("cam-1", 30)!;
        Assert.Contains("5000x5000", stored.Part!.Frames[1].Error);
        Assert.Equal(1, cloud.Detector!.Calls);
    }

    [Fact]
    public async Task Escalate_SequenceZero_RefusedAsInvalidArgument()
    {
        await using var cloud = await TestCloud.StartAsync(_directory.Path);

        var reply = Assert.Single(await cloud.EscalateAsync(TestFrames.Request("cam-1", 0)));

        Assert.Contains("invalid argument: sequence starts at 1", reply.Error);
        Assert.Equal(0, cloud.Detector!.Calls);
        Assert.Null(Store(cloud).Find("cam-1", 0));
        var rejected = Assert.Single(Store(cloud).LatestRejected(10));
        Assert.Equal(RefusalKind.InvalidSequence, rejected.Kind);
        Assert.Equal(0m, rejected.Sequence);
    }

    [Fact]
    public async Task Escalate_SequenceAboveLongMaxValue_RecordedExactlyNotAsAValidKey()
    {
        await using var cloud = await TestCloud.StartAsync(_directory.Path);

        await cloud.EscalateAsync(TestFrames.Request("cam-1", ulong.MaxValue, Undecodable(10)), TestFrames.Request("cam-1", long.MaxValue, Undecodable(10)));

        var sequences = Store(cloud).LatestRejected(10).Select(r => r.Sequence).Order().ToList();
        Assert.Equal([long.MaxValue, (decimal)ulong.MaxValue], sequences);
    }

    [Fact]
    public async Task Escalate_DeviceIdWithASlash_QuotedInTheReplyAndTheLog()
    {
        var logs = new ListLoggerProvider();
        await using var cloud = await TestCloud.StartAsync(_directory.Path, configure: builder => builder.Logging.AddProvider(logs));

        var reply = Assert.Single(await cloud.EscalateAsync(TestFrames.Request("line1/cam1", 1)));

        Assert.StartsWith("device id 'line1/cam1' is not valid", reply.Error);
        var logged = Assert.Single(logs.Entries, e => e.EventId == 1112);
        Assert.Equal("'line1/cam1'", logged.Values["DeviceId"]);
        Assert.Equal(1UL, logged.Values["Sequence"]);
        Assert.Equal("line1/cam1", Assert.Single(Store(cloud).LatestRejected(10)).DeviceId);
    }

    [Fact]
    public async Task Escalate_HugeDeviceIdWithALineBreak_QuotedCutAndEscaped()
    {
        await using var cloud = await TestCloud.StartAsync(_directory.Path);
        var deviceId = "cam\n1" + new string('x', 100_000);

        var reply = Assert.Single(await cloud.EscalateAsync(TestFrames.Request(deviceId, 1)));

        Assert.StartsWith(@"device id 'cam\u000a1xxx", reply.Error);
        Assert.Contains("… (100005 characters)", reply.Error);
        Assert.True(reply.Error.Length < 300, reply.Error);
        Assert.Equal(RejectedFrame.MaxIdLength, Assert.Single(Store(cloud).LatestRejected(10)).DeviceId.Length);
    }

    [Fact]
    public async Task Escalate_MessageAboveTheLimit_RefusalStatesTheLimitAndIsLoggedOnceWithPeerAndLastKey()
    {
        var logs = new ListLoggerProvider();
        await using var cloud = await TestCloud.StartAsync(
            _directory.Path,
            ["--Cloud:Escalations:MaxMessageBytes=65536", "--Logging:LogLevel:Default=Debug", .. ObservedLogs],
            configure: builder => builder.Logging.AddProvider(logs));
        var cancellationToken = TestContext.Current.CancellationToken;
        using var call = cloud.Escalations.Escalate(cancellationToken: cancellationToken);

        await call.RequestStream.WriteAsync(TestFrames.Request("cam-1", 1), cancellationToken);
        Assert.True(await call.ResponseStream.MoveNext(cancellationToken));
        var oversized = TestFrames.Request("cam-1", 2);
        oversized.Jpeg = ByteString.CopyFrom(new byte[70_000]);
        try
        {
            await call.RequestStream.WriteAsync(oversized, cancellationToken);
        }
        catch (Exception ex) when (ex is RpcException or IOException or HttpRequestException)
        {
            // The cloud may end the call before the write has returned; the status comes from the response stream.
        }

        var error = await Assert.ThrowsAsync<RpcException>(() => call.ResponseStream.MoveNext(cancellationToken));

        Assert.Equal(StatusCode.ResourceExhausted, error.StatusCode);
        Assert.Contains("limit of 65536 bytes", error.Status.Detail);
        Assert.Contains("Cloud:Escalations:MaxMessageBytes", error.Status.Detail);
        var logged = await Eventually.WaitAsync("the refusal is logged", _ => Task.FromResult(logs.Entries.Where(e => e.EventId == 1103).ToList()), l => l.Count > 0, Eventually.DefaultTimeout, cancellationToken);
        var entry = Assert.Single(logged);
        Assert.Equal(LogLevel.Warning, entry.Level);
        Assert.StartsWith("ipv4:127.0.0.1:", (string)entry.Values["Peer"]!);
        Assert.Equal(65536, entry.Values["LimitBytes"]);
        Assert.Equal(1, entry.Values["Answered"]);
        Assert.Equal("after device 'cam-1' sequence 1", entry.Values["After"]);
        await CallFinishedAsync(logs);
        Assert.DoesNotContain(logs.Entries, e => e.Category == CloudInferenceExtensions.GrpcCallLogCategory && e.Level >= LogLevel.Information);
    }

    [Fact]
    public async Task Escalate_ClientCancelsMidStream_LoggedAtDebugOnlyWithoutAStackTrace()
    {
        var logs = new ListLoggerProvider();
        await using var cloud = await TestCloud.StartAsync(
            _directory.Path, ["--Logging:LogLevel:Default=Debug", .. ObservedLogs], configure: builder => builder.Logging.AddProvider(logs));
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        using var call = cloud.Escalations.Escalate(cancellationToken: stop.Token);

        await call.RequestStream.WriteAsync(TestFrames.Request("cam-1", 1), stop.Token);
        Assert.True(await call.ResponseStream.MoveNext(stop.Token));
        await stop.CancelAsync();

        await Eventually.UntilAsync(() => logs.Entries.Any(e => e.EventId == 1104), "the service logs the call the client ended");
        var entry = Assert.Single(logs.Entries, e => e.EventId == 1104);
        Assert.Equal(LogLevel.Debug, entry.Level);
        Assert.Equal(1, entry.Values["Answered"]);
        await CallFinishedAsync(logs);
        Assert.DoesNotContain(logs.Entries, e => e.Level >= LogLevel.Information
            && (e.Category == CloudInferenceExtensions.GrpcCallLogCategory || e.Category.EndsWith(nameof(EscalationService), StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Start_GrpcCallLogLevelConfigured_TheConfiguredLevelWins()
    {
        var logs = new ListLoggerProvider();
        await using var cloud = await TestCloud.StartAsync(
            _directory.Path,
            ["--Cloud:Escalations:MaxMessageBytes=65536", "--Logging:LogLevel:Default=Debug", $"--Logging:LogLevel:{CloudInferenceExtensions.GrpcCallLogCategory}=Information"],
            configure: builder => builder.Logging.AddProvider(logs));
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        using var call = cloud.Escalations.Escalate(cancellationToken: stop.Token);

        await call.RequestStream.WriteAsync(TestFrames.Request("cam-1", 1), stop.Token);
        Assert.True(await call.ResponseStream.MoveNext(stop.Token));
        var oversized = TestFrames.Request("cam-1", 2);
        oversized.Jpeg = ByteString.CopyFrom(new byte[70_000]);
        await call.RequestStream.WriteAsync(oversized, stop.Token);
        await Assert.ThrowsAsync<RpcException>(() => call.ResponseStream.MoveNext(stop.Token));

        await Eventually.UntilAsync(
            () => logs.Entries.Any(e => e.Category == CloudInferenceExtensions.GrpcCallLogCategory && e.Level == LogLevel.Information),
            "the library's own information-level entry shows when its level is configured");
    }

    // Every level of the gRPC library (the test output's appsettings.json, the agent's, keeps only its warnings: only
    // the cloud's own rule may quiet it), and the requests: ASP.NET Core logs a request as finished after the library
    // has logged whatever it logs about the call.
    private static readonly string[] ObservedLogs =
        ["--Logging:LogLevel:Grpc=Debug", "--Logging:LogLevel:Microsoft.AspNetCore.Hosting.Diagnostics=Information"];

    private static Task CallFinishedAsync(ListLoggerProvider logs) => Eventually.UntilAsync(
        () => logs.Entries.Any(e => e.Category == "Microsoft.AspNetCore.Hosting.Diagnostics" && e.EventId == 2
            && e.Message.Contains("/inspection.v1.Escalation/Escalate", StringComparison.Ordinal)),
        "the escalation call is finished");

    /// <summary>Bytes that start like a JPEG and are not one.</summary>
    private static byte[] Undecodable(int length)
    {
        var bytes = new byte[length];
        new Random(length).NextBytes(bytes);
        bytes[0] = 0xFF;
        bytes[1] = 0xD8;
        bytes[2] = 0xFF;
        bytes[3] = 0x00;
        return bytes;
    }

    private static EscalationStore Store(TestCloud cloud) => cloud.App.Services.GetRequiredService<EscalationStore>();

    /// <summary>Where the first frame header (SOF) marker of <paramref name="jpeg"/> starts.</summary>
    internal static int FrameHeaderOffset(byte[] jpeg)
    {
        for (var i = 2; i + 1 < jpeg.Length; i++)
        {
            if (jpeg[i] == 0xFF && jpeg[i + 1] is 0xC0 or 0xC1 or 0xC2)
            {
                return i;
            }
        }

        throw new InvalidOperationException("no frame header in the JPEG");
    }

    /// <summary><paramref name="jpeg"/> with its frame header stating another size (the data still holds the old one).</summary>
    internal static byte[] WithStatedSize(byte[] jpeg, int width, int height)
    {
        var patched = (byte[])jpeg.Clone();
        var sof = FrameHeaderOffset(patched);
        patched[sof + 5] = (byte)(height >> 8);
        patched[sof + 6] = (byte)height;
        patched[sof + 7] = (byte)(width >> 8);
        patched[sof + 8] = (byte)width;
        return patched;
    }
}
