using System.Text.Json.Nodes;
using EtlStudio.Core.Common;
using EtlStudio.Core.Connections;
using EtlStudio.Core.DataModules;
using EtlStudio.Core.Domain;
using EtlStudio.Core.Outbox;
using EtlStudio.Core.Persistence;
using EtlStudio.Core.Privacy;
using EtlStudio.Core.Runs;
using EtlStudio.Core.Scripts;
using EtlStudio.Core.Tasks;
using EtlStudio.Core.Upload;
using EtlStudio.Tests.Infrastructure;
using EtlStudio.Tests.Pipeline;
using Microsoft.EntityFrameworkCore;

namespace EtlStudio.Tests.PrivacyGate; // not ".Privacy": that would hide the gRPC Privacy message in EtlStudio.Tests.Web

/// <summary>
/// The privacy gate on the upload (issue 33), on runs of the real engine: twelve patients, age as quasi-identifier in three
/// classes of four (20, 30, 40), diagnosis sensitive with two values in every class — k = 4, l = 2, highest and average risk 0.25.
/// </summary>
public sealed class PrivacyGateTests(PipelineWorld world) : IClassFixture<PipelineWorld>
{
    private const string Patients = "SELECT i AS id, 20 + (i % 3) * 10 AS age, CASE WHEN i % 2 = 0 THEN 'flu' ELSE 'cold' END AS diagnosis FROM generate_series(1, 12) i";

    private UploadService Uploads => world.Get<UploadService>();
    private OutboxPrivacyService Privacy => world.Get<OutboxPrivacyService>();

    internal static async Task<Guid> PatientsTaskAsync(PipelineWorld world, PrivacyPolicy? policy, Guid? destination = null)
    {
        var tasks = world.Get<TaskService>();
        var id = await tasks.CreateAsync(world.Owner, $"patients-{Guid.NewGuid():N}", "");
        await tasks.UpdateTablesAsync(world.Owner, id, [new TableConfig("patients",
            [new ColumnConfig("id", FieldType.Integer, []), new ColumnConfig("age", FieldType.Integer, [], QuasiIdentifier: true),
             new ColumnConfig("diagnosis", FieldType.String, [], Sensitive: true)],
            "id", MergeStrategy.SourcePriority, [], [new ExtractionConfig(await world.ExtractorAsync(Patients), world.Crm, 1)])]);
        await tasks.UpdatePrivacyPolicyAsync(world.Owner, id, policy);
        await tasks.UpdateUploadAsync(world.Owner, id, new UploadConfig(await world.ScriptAsync(new ScriptInput("upload", ScriptKind.Uploader, null, "")), destination ?? world.Warehouse));
        await tasks.ReleaseAsync(world.Owner, id);
        return id;
    }

    [Fact]
    public async Task A_run_under_its_policy_is_uploaded_and_the_gate_keeps_what_it_checked()
    {
        var run = await world.RunAsync(await PatientsTaskAsync(world, new PrivacyPolicy(4, 2, 0.25, 0.25, 0)));
        Assert.Equal(RunState.Prepared, run.State);

        await Uploads.RequestAsync(world.Owner, run.Id);

        Assert.Contains(run.Id, world.Queue.Uploads);
        var gate = PrivacyGateRecord.Read(await GateJsonAsync(run.Id))!;
        Assert.True(gate.Passed);
        Assert.Null(gate.Exception);
        Assert.Equal(["k", "l", "highest risk", "average risk", "share removed"], gate.Checks.Select(c => c.Threshold));
        Assert.Equal([4.0, 2, 0.25, 0.25, 0], gate.Checks.Select(c => c.Value!.Value));
    }

    [Fact]
    public async Task A_policy_the_run_fails_blocks_the_upload_naming_every_failing_threshold_its_value_and_its_limit()
    {
        var run = await world.RunAsync(await PatientsTaskAsync(world, new PrivacyPolicy(5, 3, 0.2, 0.2, 0.5)));

        var refused = await Assert.ThrowsAsync<PrivacyGateException>(() => Uploads.RequestAsync(world.Owner, run.Id));

        Assert.Equal(ErrorKind.FailedPrecondition, refused.Kind);
        Assert.Equal(4, refused.Failures.Count);
        Assert.Contains("patients: k = 4 is below the minimum 5", refused.Message);
        Assert.Contains("patients.diagnosis: l = 2 is below the minimum 3", refused.Message);
        Assert.Contains("patients: highest risk = 0.25 is above the maximum 0.2", refused.Message);
        Assert.Contains("patients: average risk = 0.25 is above the maximum 0.2", refused.Message);
        Assert.DoesNotContain("share removed", refused.Message); // it passes: nothing was removed
        Assert.Equal(RunState.Prepared, (await world.Get<PipelineRunService>().GetAsync(world.Owner, run.Id)).State);
        Assert.DoesNotContain(run.Id, world.Queue.Uploads);
        var shown = await Privacy.GetAsync(world.Owner, run.Id);
        Assert.False(shown.Verdict.Passed);
        Assert.Equal(4, shown.Verdict.Failures.Count);
    }

    [Fact]
    public async Task An_outbox_edit_that_breaks_k_blocks_a_previously_allowed_upload_and_undoing_it_allows_it_again()
    {
        var run = await world.RunAsync(await PatientsTaskAsync(world, new PrivacyPolicy(4, null, null, null, null)));
        Assert.True((await Privacy.GetAsync(world.Owner, run.Id)).Verdict.Passed);
        var outbox = world.Get<OutboxService>();
        var row = (await outbox.GetPageAsync(world.Owner, run.Id, "patients", new OutboxQuery(OrderBy: "id"))).Rows[0]; // id 1, age 30

        await outbox.UpdateAsync(world.Owner, run.Id, "patients", row.RowId, new Dictionary<string, string?> { ["age"] = "31" });

        var broken = await Privacy.GetAsync(world.Owner, run.Id);
        Assert.Equal((1L, 4L), (broken.Report.Tables.Single().KReached, broken.Report.Tables.Single().ClassCount));
        var refused = await Assert.ThrowsAsync<PrivacyGateException>(() => Uploads.RequestAsync(world.Owner, run.Id));
        Assert.Equal("patients: k = 1 is below the minimum 4", refused.Failures.Single().Describe());

        await outbox.UpdateAsync(world.Owner, run.Id, "patients", row.RowId, new Dictionary<string, string?> { ["age"] = "30" });
        await Uploads.RequestAsync(world.Owner, run.Id);

        Assert.Contains(run.Id, world.Queue.Uploads);
        Assert.Equal(4, PrivacyGateRecord.Read(await GateJsonAsync(run.Id))!.Report.Tables.Single().KReached);
    }

    [Fact]
    public async Task An_administrators_exception_with_its_reason_is_audited_and_written_into_the_versions_metadata()
    {
        await using var dest = new TestDatabase();
        await dest.InitializeAsync();
        var destination = await world.Get<ConnectionService>().CreateAsync(world.Owner,
            new ConnectionInput($"module-{Guid.NewGuid():N}", ConnectionKind.PostgreSql, "", "{}", dest.ConnectionString, null));
        var run = await world.RunAsync(await PatientsTaskAsync(world, new PrivacyPolicy(5, null, null, null, null), destination));
        var admin = await world.CreateAsync("admin", UserRole.Admin, UserRole.ProcessEtlTask);
        await GrantWriteAsync(admin, destination);
        const string reason = "Cohort of twelve agreed with the ethics board (ref. EB-7); k = 4 accepted.";

        var notAdmin = await Assert.ThrowsAsync<DomainException>(() => Uploads.RequestAsync(world.Owner, run.Id, reason));
        Assert.Equal(ErrorKind.PermissionDenied, notAdmin.Kind);
        await Assert.ThrowsAsync<PrivacyGateException>(() => Uploads.RequestAsync(admin, run.Id, "  "));
        await Uploads.RequestAsync(admin, run.Id, reason);
        await world.Get<IUploadExecutor>().ExecuteAsync(run.Id, CancellationToken.None);

        var audit = await LastAuditAsync("upload.request", run.Id);
        Assert.Equal(admin.Login, audit.ActorLogin);
        var changes = JsonNode.Parse(audit.ChangesJson)!;
        Assert.Equal(reason, (string?)changes["privacyException"]);
        Assert.Equal("patients: k = 4 is below the minimum 5", (string?)changes["failedThresholds"]);
        var metadata = JsonNode.Parse(await world.Get<DataModuleService>().ExportMetadataAsync(world.Owner, destination))!;
        Assert.Equal(reason, (string?)metadata["etl:privacyException"]!["etl:reason"]);
        Assert.Equal(admin.Login, (string?)metadata["etl:privacyException"]!["etl:grantedBy"]);
        Assert.Equal("failed", (string?)metadata["etl:privacyVerdict"]);
        Assert.Equal(5, (int?)metadata["etl:privacyPolicy"]!["etl:minK"]);
        Assert.Equal(4, (long?)metadata["outboxPrivacyReport"]!["tables"]![0]!["kReached"]);
        var version = (await world.Get<DataModuleService>().VersionsAsync(world.Owner, destination)).Single();
        Assert.Equal(reason, PrivacyGateRecord.Read(version.PrivacyGateJson)!.Exception!.Reason);
    }

    [Fact]
    public async Task The_policy_is_validated_and_its_change_audited()
    {
        var tasks = world.Get<TaskService>();
        var id = await PatientsTaskAsync(world, null);

        var bad = await Assert.ThrowsAsync<ValidationException>(() => tasks.UpdatePrivacyPolicyAsync(world.Owner, id, new PrivacyPolicy(1, 1, 0, 1.5, -0.1)));
        Assert.Equal(["privacyPolicy.minK", "privacyPolicy.minL", "privacyPolicy.maxHighestRisk", "privacyPolicy.maxAverageRisk", "privacyPolicy.maxRemovedShare"],
            bad.Problems.Select(p => p.Path));
        await tasks.UpdatePrivacyPolicyAsync(world.Owner, id, new PrivacyPolicy(3, 2, 0.34, null, 0.1));

        var view = await tasks.GetAsync(world.Owner, id);
        Assert.Equal(new PrivacyPolicy(3, 2, 0.34, null, 0.1), view.Configuration.Policy);
        Assert.Equal(EtlTaskStatus.Draft, view.Status);
        var audit = await LastAuditAsync("task.update.privacyPolicy", id);
        var after = JsonNode.Parse((string)JsonNode.Parse(audit.ChangesJson)!["privacyPolicy"]!["after"]!)!;
        Assert.Equal((3, 0.34), ((int)after["minK"]!, (double)after["maxHighestRisk"]!));
        Assert.Equal(new PrivacyPolicy(5, 2, 0.2, PrivacyPolicy.DefaultMaxAverageRisk, PrivacyPolicy.DefaultMaxRemovedShare), PrivacyPolicy.DefaultFor(view.Configuration));
        // Regression: 1/3 proposed as 0.3333 refused every outbox that reached k = 3 exactly.
        var kThree = view.Configuration with { Privacy = new PrivacySettings(3, null, null) };
        Assert.Equal(0.3334, PrivacyPolicy.DefaultFor(kThree)!.MaxHighestRisk);
        Assert.True(new Core.Privacy.PolicyCheck("t", "highest risk", null, 1.0 / 3, PrivacyPolicy.DefaultFor(kThree)!.MaxHighestRisk!.Value, false).Passed);
    }

    [Fact]
    public async Task A_page_asks_whether_the_report_may_be_shown_without_recording_a_refusal()
    {
        var viewer = await world.CreateAsync("viewer");
        var processor = await world.CreateAsync("processor", UserRole.ProcessEtlTask);
        await using var db = await world.Get<IDbContextFactory<EtlStudioDbContext>>().CreateDbContextAsync();
        var refusals = await db.AuditEntries.CountAsync(a => a.Outcome != AuditOutcome.Success);

        Assert.False(await Privacy.CanViewAsync(viewer));
        Assert.True(await Privacy.CanViewAsync(processor));
        Assert.True(await Privacy.CanViewAsync(world.Owner));
        Assert.Equal(refusals, await db.AuditEntries.CountAsync(a => a.Outcome != AuditOutcome.Success));
        // Asking for the report itself is still refused and recorded.
        await Assert.ThrowsAsync<DomainException>(() => Privacy.GetAsync(viewer, Guid.NewGuid()));
        Assert.Equal(refusals + 1, await db.AuditEntries.CountAsync(a => a.Outcome != AuditOutcome.Success));
    }

    private async Task<string?> GateJsonAsync(Guid runId)
    {
        await using var db = await world.Get<IDbContextFactory<EtlStudioDbContext>>().CreateDbContextAsync();
        return await db.Runs.Where(r => r.Id == runId).Select(r => r.PrivacyGateJson).SingleAsync();
    }

    private async Task<AuditEntry> LastAuditAsync(string action, Guid entity)
    {
        await using var db = await world.Get<IDbContextFactory<EtlStudioDbContext>>().CreateDbContextAsync();
        return await db.AuditEntries.Where(a => a.Action == action && a.EntityId == entity.ToString() && a.Outcome == AuditOutcome.Success)
            .OrderByDescending(a => a.Id).FirstAsync();
    }

    private async Task GrantWriteAsync(Actor user, Guid connection)
    {
        await using var db = await world.Get<IDbContextFactory<EtlStudioDbContext>>().CreateDbContextAsync();
        db.ConnectionGrants.Add(new ConnectionGrant { Id = Guid.NewGuid(), ConnectionId = connection, UserId = user.UserId, Access = AccessType.Write, GrantedAt = DateTimeOffset.UtcNow });
        await db.SaveChangesAsync();
    }
}
