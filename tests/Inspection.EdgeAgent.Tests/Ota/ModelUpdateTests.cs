using System.Security.Cryptography;
using Inspection.Contracts.Mqtt;
using Inspection.Detection.Packaging;
using Inspection.EdgeAgent.Ota;
using Inspection.EdgeAgent.Storage;
using Inspection.EdgeAgent.Tests.TestSupport;
using Microsoft.Extensions.DependencyInjection;

namespace Inspection.EdgeAgent.Tests.Ota;

/// <summary>
/// The device's model-update transaction on the real agent host: real signed packages over real HTTP, real ONNX
/// models, the inspection loop running throughout. Every fault ends failed or rolled back with its reason, the
/// running model keeps deciding, and no frame is lost.
/// </summary>
public sealed class ModelUpdateTests
{
    [Fact]
    public async Task Desired_SignedPackage_GoesThroughEveryStepAndCommitsWithoutLosingAFrame()
    {
        await using var scenario = await UpdateScenario.CreateAsync();
        await scenario.StartAsync();
        await scenario.MoreFramesAsync(5);
        var target = scenario.Packages.Publish(1, TestModels.Brightness(scenario.TempFile("v1.onnx"), "1.1.0"));

        scenario.Desire(target);

        var ended = await scenario.EndedAsync(1);
        Assert.True(ended.State == OtaStates.Committed, ended.Reason);
        Assert.Equal(
            [OtaStates.Queued, OtaStates.Downloading, OtaStates.Verifying, OtaStates.Loading, OtaStates.Validating, OtaStates.Shadowing, OtaStates.Swapped, OtaStates.Committed],
            scenario.StatesOf(1));
        Assert.Equal(1, scenario.Current.Release);
        Assert.Equal(target.Sha256, scenario.Current.Sha256);

        // Download progress counts against one total: every file the signed manifest names (model and golden frames).
        var total = Assert.Single(scenario.Progress.Where(p => p.Release == 1 && p.Total is not null).Select(p => p.Total).Distinct());
        Assert.True(total > target.Size, $"the total {total} leaves out the golden frames");
        Assert.Equal(total, scenario.Progress.Single(p => p.State == OtaStates.Verifying).Bytes);
        var shadow = scenario.Progress.Last(p => p.State == OtaStates.Shadowing);
        Assert.Equal(1.0, shadow.Agreement);
        Assert.Equal(10, shadow.Frames);

        // The pointer names the committed files; the staging folder is empty again.
        var committed = new CommittedModelFile(scenario.ModelsPath).Read();
        Assert.Equal((1L, target.Sha256), (committed!.Release, committed.Sha256));
        Assert.Equal(Path.Combine(scenario.ModelsPath, "1", "model.onnx"), committed.ModelPath);

        // No frame dropped or inspected twice: sequences are contiguous, every result is stored, and the release that
        // decided them changes once, from the configured model to release 1.
        await scenario.MoreFramesAsync(3);
        var results = scenario.Results();
        Assert.Equal(Enumerable.Range(1, results.Count).Select(i => (long)i), results.Select(r => r.Sequence));
        Assert.Equal(0, scenario.Stats.DetectorErrors);
        var releases = results.Select(r => r.Release).Distinct().ToList();
        Assert.Equal([null, 1L], releases);
        var firstNew = results.First(r => r.Release == 1).Sequence;
        Assert.All(results.Where(r => r.Sequence >= firstNew), r => Assert.Equal(1L, r.Release));
    }

    [Fact]
    public async Task Desired_SignedByAnUntrustedKey_FailsBeforeTheModelIsDownloaded()
    {
        await using var scenario = await UpdateScenario.CreateAsync();
        await scenario.StartAsync();
        using var stranger = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var target = scenario.Packages.Publish(1, TestModels.Brightness(scenario.TempFile("v1.onnx"), "1.1.0"), signWith: stranger);

        scenario.Desire(target);

        var ended = await scenario.EndedAsync(1);
        Assert.Equal(OtaStates.Failed, ended.State);
        Assert.Equal($"it is signed by key {ManifestSignature.KeyIdOf(stranger)}, which this device does not trust (trusted: {ManifestSignature.KeyIdOf(scenario.Packages.Key)})", ended.Reason);
        Assert.DoesNotContain(scenario.Server.Requests, r => r.Path.EndsWith("model.onnx", StringComparison.Ordinal));
        Assert.Null(scenario.Current.Release);
    }

    [Fact]
    public async Task Desired_SignatureOfAnotherManifest_Fails()
    {
        await using var scenario = await UpdateScenario.CreateAsync();
        await scenario.StartAsync();
        var first = scenario.Packages.Publish(1, TestModels.Brightness(scenario.TempFile("v1.onnx"), "1.1.0"));
        var second = scenario.Packages.Publish(2, TestModels.Brightness(scenario.TempFile("v2.onnx"), "1.2.0"));

        scenario.Desire(second with { Signature = first.Signature });

        var ended = await scenario.EndedAsync(2);
        Assert.Equal(OtaStates.Failed, ended.State);
        Assert.Contains("does not match its manifest", ended.Reason);
    }

    [Fact]
    public async Task Desired_ReleaseNotAboveTheCommittedOne_RefusedSoNothingUnsignedCanForceADowngrade()
    {
        await using var scenario = await UpdateScenario.CreateAsync();
        await scenario.StartAsync();
        scenario.Desire(scenario.Packages.Publish(5, TestModels.Brightness(scenario.TempFile("v5.onnx"), "1.5.0")));
        var committed5 = await scenario.EndedAsync(5);
        Assert.True(committed5.State == OtaStates.Committed, committed5.Reason);

        // Older weights, validly signed, under a lower release.
        scenario.Desire(scenario.Packages.Publish(4, TestModels.Brightness(scenario.TempFile("v4.onnx"), "1.4.0")));

        var ended = await scenario.EndedAsync(4);
        Assert.Equal(OtaStates.Failed, ended.State);
        Assert.Equal("release 4 is not above release 5, the highest committed on this device: to go back to older weights, publish them again under a higher release", ended.Reason);
        Assert.Equal(5, scenario.Current.Release);
    }

    [Fact]
    public async Task Rollback_FromTheFirstRelease_BackOnTheConfiguredModelAndThatReleaseRefusedAfterwards()
    {
        await using var scenario = await UpdateScenario.CreateAsync();
        await scenario.StartAsync();
        var release1 = scenario.Packages.Publish(1, TestModels.Brightness(scenario.TempFile("v1.onnx"), "1.1.0"));
        scenario.Desire(release1);
        Assert.Equal(OtaStates.Committed, (await scenario.EndedAsync(1)).State);

        scenario.DesireRollback(new ModelRollback(1, null), null);

        var back = await scenario.EndedAsync(0);
        Assert.True(back.State == OtaStates.Committed, back.Reason);
        Assert.Equal("back on the configured model; release 1 is not taken again", back.Reason);
        Assert.Equal([OtaStates.Queued, OtaStates.Loading, OtaStates.Shadowing, OtaStates.Swapped, OtaStates.Committed], scenario.StatesOf(0));
        Assert.Null(scenario.Current.Release);
        Assert.False(File.Exists(Path.Combine(scenario.ModelsPath, CommittedModelFile.FileName)));
        await scenario.MoreFramesAsync(3);
        Assert.Null(scenario.Results()[^1].Release);

        // After a restart it still runs the configured model, and release 1 is not taken again.
        await scenario.StopAsync();
        await scenario.StartAsync();
        Assert.Null(scenario.Current.Release);
        var progressBefore = scenario.Progress.Count;
        scenario.Desire(release1);
        await scenario.MoreFramesAsync(5);
        Assert.DoesNotContain(scenario.Progress.Skip(progressBefore), p => p.Release == 1 && p.State == OtaStates.Downloading);
        Assert.Null(scenario.Current.Release);
    }

    [Fact]
    public async Task Rollback_ToTheReleaseBefore_TakenThroughTheTransactionAndTheLeftReleaseRefused()
    {
        await using var scenario = await UpdateScenario.CreateAsync();
        await scenario.StartAsync();
        var release1 = scenario.Packages.Publish(1, TestModels.Brightness(scenario.TempFile("v1.onnx"), "1.1.0"));
        scenario.Desire(release1);
        Assert.Equal(OtaStates.Committed, (await scenario.EndedAsync(1)).State);
        scenario.Desire(scenario.Packages.Publish(2, TestModels.Brightness(scenario.TempFile("v2.onnx"), "1.2.0")));
        Assert.Equal(OtaStates.Committed, (await scenario.EndedAsync(2)).State);
        var before = scenario.Progress.Count;

        scenario.DesireRollback(new ModelRollback(2, 1), release1);

        var back = await Eventually.WaitAsync(
            "the rollback to release 1 to end",
            _ => Task.FromResult(scenario.Progress.Skip(before).LastOrDefault(p => p.Release == 1 && OtaStates.IsFinal(p.State))),
            p => p is not null,
            TimeSpan.FromSeconds(60),
            TestContext.Current.CancellationToken);
        Assert.True(back!.State == OtaStates.Committed, back.Reason);
        Assert.Equal((1L, release1.Sha256), (scenario.Current.Release, scenario.Current.Sha256));

        // Release 2 is refused from now on, and release 1 was the last step back.
        scenario.Desire(scenario.Packages.Publish(2, TestModels.Brightness(scenario.TempFile("v2b.onnx"), "1.2.0")));
        await scenario.MoreFramesAsync(5);
        Assert.Equal(1L, scenario.Current.Release);
        scenario.Desire(scenario.Packages.Publish(3, TestModels.Brightness(scenario.TempFile("v3.onnx"), "1.3.0")));
        Assert.Equal(OtaStates.Committed, (await scenario.EndedAsync(3)).State);
    }

    [Fact]
    public async Task Rollback_ToAModelTheRunningReleaseDidNotReplace_Refused()
    {
        await using var scenario = await UpdateScenario.CreateAsync();
        await scenario.StartAsync();
        scenario.Desire(scenario.Packages.Publish(1, TestModels.Brightness(scenario.TempFile("v1.onnx"), "1.1.0")));
        Assert.Equal(OtaStates.Committed, (await scenario.EndedAsync(1)).State);
        scenario.Desire(scenario.Packages.Publish(2, TestModels.Brightness(scenario.TempFile("v2.onnx"), "1.2.0")));
        Assert.Equal(OtaStates.Committed, (await scenario.EndedAsync(2)).State);

        // Two steps back (to the configured model) is not what release 2 replaced.
        scenario.DesireRollback(new ModelRollback(2, null), null);

        var refused = await scenario.EndedAsync(0);
        Assert.Equal(OtaStates.Failed, refused.State);
        Assert.Equal("rollback refused: the model release 2 replaced on this device is release 1, not the configured model", refused.Reason);
        Assert.Equal(2L, scenario.Current.Release);
    }

    [Fact]
    public async Task Desired_ServerSendsOtherModelBytes_FailsOnTheHashAndNothingIsLoaded()
    {
        await using var scenario = await UpdateScenario.CreateAsync();
        await scenario.StartAsync();
        var target = scenario.Packages.Publish(1, TestModels.Brightness(scenario.TempFile("v1.onnx"), "1.1.0"));
        scenario.Packages.Replace(1, "model.onnx", await File.ReadAllBytesAsync(TestModels.Brightness(scenario.TempFile("other.onnx"), "6.6.6"), TestContext.Current.CancellationToken));

        scenario.Desire(target);

        var ended = await scenario.EndedAsync(1);
        Assert.Equal(OtaStates.Failed, ended.State);
        Assert.Contains("does not match the size and SHA-256 in the signed manifest", ended.Reason);
        Assert.DoesNotContain(OtaStates.Loading, scenario.StatesOf(1));
    }

    [Fact]
    public async Task Desired_TruncatedFileOnTheServer_Fails()
    {
        await using var scenario = await UpdateScenario.CreateAsync();
        await scenario.StartAsync();
        var model = TestModels.Brightness(scenario.TempFile("v1.onnx"), "1.1.0");
        var target = scenario.Packages.Publish(1, model);
        scenario.Packages.Replace(1, "model.onnx", (await File.ReadAllBytesAsync(model, TestContext.Current.CancellationToken))[..100]);

        scenario.Desire(target);

        var ended = await scenario.EndedAsync(1);
        Assert.Equal(OtaStates.Failed, ended.State);
        Assert.Contains("(100 bytes) does not match the size and SHA-256 in the signed manifest", ended.Reason);
    }

    [Fact]
    public async Task Desired_SignedFileThatDoesNotLoad_FailsWithTheModelContractReason()
    {
        await using var scenario = await UpdateScenario.CreateAsync();
        await scenario.StartAsync();
        var model = TestModels.Brightness(scenario.TempFile("v1.onnx"), "1.1.0");
        var garbage = "not an onnx model at all"u8.ToArray();
        var target = scenario.Packages.Publish(1, model, edit: m => m with { Model = m.Model with { Sha256 = ModelPackage.Sha256Of(garbage), Size = garbage.Length } });
        scenario.Packages.Replace(1, "model.onnx", garbage);

        scenario.Desire(target with { Sha256 = ModelPackage.Sha256Of(garbage), Size = garbage.Length });

        var ended = await scenario.EndedAsync(1);
        Assert.Equal(OtaStates.Failed, ended.State);
        Assert.Contains("is it a complete .onnx export?", ended.Reason);
        Assert.Null(scenario.Current.Release);
    }

    [Fact]
    public async Task Desired_ModelWithAWrongOutputShape_FailsAtLoading()
    {
        await using var scenario = await UpdateScenario.CreateAsync();
        await scenario.StartAsync();
        var good = TestModels.Brightness(scenario.TempFile("v1.onnx"), "1.1.0");
        var wrong = await File.ReadAllBytesAsync(TestModels.WrongShape(scenario.TempFile("wrong.onnx")), TestContext.Current.CancellationToken);
        var target = scenario.Packages.Publish(1, good, edit: m => m with { Model = m.Model with { Sha256 = ModelPackage.Sha256Of(wrong), Size = wrong.Length } });
        scenario.Packages.Replace(1, "model.onnx", wrong);

        scenario.Desire(target with { Sha256 = ModelPackage.Sha256Of(wrong), Size = wrong.Length });

        var ended = await scenario.EndedAsync(1);
        Assert.Equal(OtaStates.Failed, ended.State);
        Assert.Contains("[1, 7]", ended.Reason);
        Assert.Equal(OtaStates.Loading, scenario.StatesOf(1)[^2]);
    }

    [Fact]
    public async Task Desired_GoldenSetTheModelDoesNotReproduce_FailsAtValidating()
    {
        await using var scenario = await UpdateScenario.CreateAsync();
        await scenario.StartAsync();
        var target = scenario.Packages.Publish(
            1,
            TestModels.Brightness(scenario.TempFile("v1.onnx"), "1.1.0"),
            edit: m => m with { Golden = m.Golden with { Frames = [.. m.Golden.Frames.Select((f, i) => i == 0 ? f with { Detections = [new GoldenDetection(0, "scratch", 0.9f, 0, 0, 10, 10)] } : f)] } });

        scenario.Desire(target);

        var ended = await scenario.EndedAsync(1);
        Assert.Equal(OtaStates.Failed, ended.State);
        Assert.StartsWith("the golden set fails on this device: golden frame golden/000.png: expected scratch 0.900", ended.Reason, StringComparison.Ordinal);
        Assert.Equal(OtaStates.Validating, scenario.StatesOf(1)[^2]);
        Assert.Null(scenario.Current.Release);
    }

    [Fact]
    public async Task Desired_ModelThatDecidesOtherwiseInTheShadow_FailsWithTheAgreementAndNeverDecidesAFrame()
    {
        await using var scenario = await UpdateScenario.CreateAsync();
        await scenario.StartAsync();

        // Inverted brightness: its golden set is its own (it passes), but on the line it calls dark parts defects.
        var target = scenario.Packages.Publish(1, TestModels.Brightness(scenario.TempFile("inverted.onnx"), "1.1.0", inverted: true));

        scenario.Desire(target);

        var ended = await scenario.EndedAsync(1);
        Assert.Equal(OtaStates.Failed, ended.State);
        Assert.Matches(@"^in the shadow the new model decided as the running one on \d+ of 10 frames \(\d+\.\d %; at least 90 % needed\)$", ended.Reason);
        Assert.DoesNotContain(OtaStates.Swapped, scenario.StatesOf(1));
        await scenario.MoreFramesAsync(3);
        Assert.All(scenario.Results(), r => Assert.Null(r.Release));
    }

    [Fact]
    public async Task Desired_ModelThatEscalatesFarMore_RolledBackAfterTheSwapWithoutLosingAFrame()
    {
        await using var scenario = await UpdateScenario.CreateAsync();
        await scenario.StartAsync();

        // Its recommended band calls every frame uncertain; the shadow bar is lowered for this update so the health
        // window is what catches it.
        var target = scenario.Packages.Publish(
            1,
            TestModels.Brightness(scenario.TempFile("v1.onnx"), "1.1.0"),
            recommended: new RecommendedSettings(0.06f, 0.99f, 0.05f, 0.45f, false),
            minAgreement: 0);

        scenario.Desire(target);

        var ended = await scenario.EndedAsync(1);
        Assert.Equal(OtaStates.RolledBack, ended.State);
        Assert.Matches(@"^the new model escalates 100\.0 % of frames, the previous one \d+\.\d % of the same frames \(at most \d+\.\d % allowed\)$", ended.Reason);
        Assert.Null(scenario.Current.Release);
        await scenario.MoreFramesAsync(5);
        var results = scenario.Results();
        Assert.Equal(Enumerable.Range(1, results.Count).Select(i => (long)i), results.Select(r => r.Sequence));
        Assert.Contains(results, r => r.Release == 1);
        Assert.Null(results[^1].Release);
        Assert.True(scenario.Host.Services.GetRequiredService<UpdateStore>().HasFailed(1));
    }

    [Fact]
    public async Task Desired_SameBehaviourWhileDefectsComeInBursts_CommitsBecauseBothModelsSeeTheSameFrames()
    {
        // A line brings doubtful parts in bursts: 10 clean frames, then 5 uncertain ones. A 5-frame health window
        // that lands on a burst escalates 80–100 %, the line as a whole 33 %; judged on the same frames, a model that
        // decides as the previous one is healthy wherever the window lands (judged against the frames before the swap,
        // about one update in five here would be rolled back).
        byte[] levels = [.. Enumerable.Repeat(TestModels.PassGrey, 10), .. Enumerable.Repeat(TestModels.UncertainGrey, 5)];
        await using var scenario = await UpdateScenario.CreateAsync(levels);
        await scenario.StartAsync(("Ota:ShadowFrames", "3"), ("Ota:HealthFrames", "5"));

        for (var release = 1; release <= 6; release++)
        {
            scenario.Desire(scenario.Packages.Publish(release, TestModels.Brightness(scenario.TempFile($"v{release}.onnx"), $"1.{release}.0")));
            var ended = await scenario.EndedAsync(release);
            Assert.True(ended.State == OtaStates.Committed, ended.Reason);
        }
    }

    [Fact]
    public async Task Desired_FarSlowerModel_RolledBackAfterTheSwap()
    {
        await using var scenario = await UpdateScenario.CreateAsync();
        await scenario.StartAsync(("Ota:MaxLatencyRatio", "3"), ("Ota:LatencyToleranceMs", "2"));
        var target = scenario.Packages.Publish(1, TestModels.Brightness(scenario.TempFile("heavy.onnx"), "1.1.0", heavy: true));

        scenario.Desire(target);

        var ended = await scenario.EndedAsync(1);
        Assert.Equal(OtaStates.RolledBack, ended.State);
        Assert.Matches(@"^the new model takes [\d.]+ ms per frame, [\d.]+× the previous model's [\d.]+ ms on the same frames \(at most 3×\)$", ended.Reason);
        Assert.Null(scenario.Current.Release);
    }

    [Fact]
    public async Task Desired_ConnectionCutMidDownload_ResumesWithRangeAndCommits()
    {
        await using var scenario = await UpdateScenario.CreateAsync();
        await scenario.StartAsync();
        var target = scenario.Packages.Publish(1, TestModels.Brightness(scenario.TempFile("heavy.onnx"), "1.1.0", heavy: true), minAgreement: 0, healthFrames: 0);
        scenario.Server.CutOnce["1/model.onnx"] = 100_000;

        scenario.Desire(target);

        var ended = await scenario.EndedAsync(1);
        Assert.True(ended.State == OtaStates.Committed, ended.Reason);
        // The resume asks for the rest from what had arrived before the cut (some of the 100 000 bytes sent may be
        // lost with the reset connection).
        Assert.Contains(scenario.Server.Requests, r => r.Path == "1/model.onnx" && ResumedFrom(r.Range) is > 0 and <= 100_000);
        Assert.Equal(1, scenario.Current.Release);
    }

    [Fact]
    public async Task Desired_NotEnoughDiskSpace_FailsBeforeStagingSayingHowMuchIsMissing()
    {
        await using var scenario = await UpdateScenario.CreateAsync();
        await scenario.StartAsync(("Ota:MinFreeDiskMegabytes", "1000000"));
        var target = scenario.Packages.Publish(1, TestModels.Brightness(scenario.TempFile("v1.onnx"), "1.1.0"));

        scenario.Desire(target);

        var ended = await scenario.EndedAsync(1);
        Assert.Equal(OtaStates.Failed, ended.State);
        Assert.StartsWith("not enough disk space to stage release 1:", ended.Reason, StringComparison.Ordinal);
        Assert.DoesNotContain(scenario.Server.Requests, r => r.Path.EndsWith("model.onnx", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Restart_AfterCommit_StartsOnTheCommittedModel()
    {
        await using var scenario = await UpdateScenario.CreateAsync();
        await scenario.StartAsync();
        var target = scenario.Packages.Publish(1, TestModels.Brightness(scenario.TempFile("v1.onnx"), "1.1.0"));
        scenario.Desire(target);
        var committed1 = await scenario.EndedAsync(1);
        Assert.True(committed1.State == OtaStates.Committed, committed1.Reason);

        await scenario.StopAsync();
        await scenario.StartAsync();

        Assert.Equal((1L, target.Sha256), (scenario.Current.Release, scenario.Current.Sha256));
        await scenario.MoreFramesAsync(3);
        Assert.Equal(1L, scenario.Results()[^1].Release);
        Assert.Single(scenario.Progress, p => p.State == OtaStates.Committed);
    }

    [Fact]
    public async Task Restart_DuringTheHealthWindow_StartsOnTheCommittedModelAndReportsRolledBack()
    {
        await using var scenario = await UpdateScenario.CreateAsync();
        var target = scenario.Packages.Publish(3, TestModels.Brightness(scenario.TempFile("v3.onnx"), "1.3.0"));

        // What kill -9 after the swap leaves: the update persisted as swapped, no pointer to the new model.
        using (var database = new EdgeDatabase(scenario.TempFile("edge.db")))
        {
            new UpdateStore(database).Save(new UpdateRecord { Release = 3, TargetJson = UpdateStore.Serialize(target), State = OtaStates.Swapped });
        }

        await scenario.StartAsync();

        var ended = await scenario.EndedAsync(3);
        Assert.Equal(OtaStates.RolledBack, ended.State);
        Assert.Equal("the agent restarted during the health window of this model; it runs the committed model again and does not retry this release", ended.Reason);
        Assert.Null(scenario.Current.Release);

        // The same target does not start the update again.
        scenario.Desire(target);
        await scenario.MoreFramesAsync(5);
        Assert.DoesNotContain(scenario.Progress, p => p.Release == 3 && p.State == OtaStates.Queued);
    }

    [Fact]
    public async Task Restart_DuringTheDownload_ResumesFromTheStagedBytes()
    {
        await using var scenario = await UpdateScenario.CreateAsync();
        var model = TestModels.Brightness(scenario.TempFile("heavy.onnx"), "1.1.0", heavy: true);
        var target = scenario.Packages.Publish(1, model, minAgreement: 0, healthFrames: 0);

        // What kill -9 mid-download leaves: the update persisted as downloading and part of the file staged.
        var bytes = await File.ReadAllBytesAsync(model, TestContext.Current.CancellationToken);
        var staging = Directory.CreateDirectory(Path.Combine(scenario.ModelsPath, "staging", target.Sha256)).FullName;
        await File.WriteAllBytesAsync(Path.Combine(staging, "model.onnx.partial"), bytes[..200_000], TestContext.Current.CancellationToken);
        using (var database = new EdgeDatabase(scenario.TempFile("edge.db")))
        {
            new UpdateStore(database).Save(new UpdateRecord { Release = 1, TargetJson = UpdateStore.Serialize(target), State = OtaStates.Downloading });
        }

        await scenario.StartAsync();
        scenario.Desire(target);

        var ended = await scenario.EndedAsync(1);
        Assert.True(ended.State == OtaStates.Committed, ended.Reason);
        Assert.Contains(scenario.Server.Requests, r => r.Path == "1/model.onnx" && r.Range == "bytes=200000-");
    }

    [Theory]
    [InlineData(OtaStates.Queued, false)]
    [InlineData(OtaStates.Downloading, false)]
    [InlineData(OtaStates.Verifying, true)]
    [InlineData(OtaStates.Loading, true)]
    [InlineData(OtaStates.Validating, true)]
    [InlineData(OtaStates.Shadowing, true)]
    public async Task Restart_InAStateBeforeTheSwap_ResumesFromWhatIsStagedAndCommits(string state, bool staged)
    {
        await using var scenario = await UpdateScenario.CreateAsync();
        var target = scenario.Packages.Publish(2, TestModels.Brightness(scenario.TempFile("v2.onnx"), "1.2.0"));

        // What kill -9 in that state leaves: the update persisted in it, and (from verifying on) every file staged.
        if (staged)
        {
            var staging = Path.Combine(scenario.ModelsPath, "staging", target.Sha256);
            foreach (var file in Directory.EnumerateFiles(Path.Combine(scenario.Server.Folder, "2"), "*", SearchOption.AllDirectories))
            {
                var relative = Path.GetRelativePath(Path.Combine(scenario.Server.Folder, "2"), file);
                Directory.CreateDirectory(Path.GetDirectoryName(Path.Combine(staging, relative))!);
                File.Copy(file, Path.Combine(staging, relative));
            }
        }

        using (var database = new EdgeDatabase(scenario.TempFile("edge.db")))
        {
            new UpdateStore(database).Save(new UpdateRecord { Release = 2, TargetJson = UpdateStore.Serialize(target), State = state });
        }

        await scenario.StartAsync();
        Assert.Null(scenario.Current.Release);
        scenario.Desire(target);

        var ended = await scenario.EndedAsync(2);
        Assert.True(ended.State == OtaStates.Committed, ended.Reason);
        Assert.Equal(2, scenario.Current.Release);
        Assert.Equal(staged, !scenario.Server.Requests.Any(r => r.Path == "2/model.onnx"));
        var results = scenario.Results();
        Assert.Equal(Enumerable.Range(1, results.Count).Select(i => (long)i), results.Select(r => r.Sequence));
    }

    private static long? ResumedFrom(string range) =>
        range.StartsWith("bytes=", StringComparison.Ordinal) && range.EndsWith('-') && long.TryParse(range[6..^1], out var from) ? from : null;
}
