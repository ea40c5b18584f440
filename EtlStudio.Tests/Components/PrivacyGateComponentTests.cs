using Bunit;
using EtlStudio.Core.Domain;
using EtlStudio.Core.Pipeline.Anonymization;
using EtlStudio.Core.Privacy;
using EtlStudio.Core.Tasks;
using EtlStudio.Core.Upload;
using EtlStudio.Web.Components.Pages.Outbox;
using EtlStudio.Web.Components.Pages.Runs;
using EtlStudio.Web.Components.Pages.Tasks;
using EtlStudio.Web.Components.Shared;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;

namespace EtlStudio.Tests.Components;

/// <summary>The privacy gate's parts of the studio (issue 33): the policy editor, the verdict, the report's utility rows and the upload confirmation.</summary>
public sealed class PrivacyGateComponentTests : MudTestContext
{
    private static readonly PrivacyPolicy Strict = new(5, 2, 0.2, 0.1, 0.1);

    private static readonly PrivacyReport Report = new([new TablePrivacyReport("patients", ["age"], null, 4, 3, 0, 0.25, 0.25,
        [new SensitiveColumnReport("diagnosis", null, 2)], Records: 12, RecordsIn: 12, RemovedShare: 0, MarketerRisk: 0.25, Discernibility: 48, AverageClassSize: 4,
        Utility: [new ColumnUtility("age", "Generalization", InformationLoss: 10.0 / 120, Note: "Normalized certainty penalty."),
                  new ColumnUtility("ward", "Permutation", InformationLoss: 0, MovedShare: 0.5, Note: "Every value is still there (nothing lost in the column itself).")])]);

    private static OutboxPrivacy Outbox(PrivacyPolicy? policy, PrivacyException? exception = null) =>
        new(Guid.NewGuid(), Report, PrivacyVerdict.Check(policy, Report),
            exception is null ? null : new PrivacyGateRecord(policy, Report, PrivacyVerdict.Check(policy, Report).Checks, false, exception, DateTimeOffset.UnixEpoch),
            DateTimeOffset.UnixEpoch);

    [Fact]
    public void A_failing_verdict_blocks_the_upload_and_names_each_threshold_with_its_value_and_limit()
    {
        var view = Render<PrivacyVerdictView>(p => p.Add(c => c.Verdict, PrivacyVerdict.Check(Strict, Report)));

        Assert.NotNull(view.Find("[data-testid=privacy-blocked]"));
        Assert.Equal(["patients: k = 4 is below the minimum 5", "patients: highest risk = 0.25 is above the maximum 0.2", "patients: average risk = 0.25 is above the maximum 0.1"],
            view.FindAll("[data-testid=privacy-check-failed]").Select(li => li.TextContent));
        Assert.Equal(["patients.diagnosis: l = 2 meets the minimum 2", "patients: share removed = 0 meets the maximum 0.1"],
            view.FindAll("[data-testid=privacy-check-passed]").Select(li => li.TextContent));
    }

    [Fact]
    public void An_administrators_exception_is_shown_with_who_granted_it_and_why()
    {
        var outbox = Outbox(Strict, new PrivacyException("Ethics board EB-7 agreed.", Guid.NewGuid(), "alice", DateTimeOffset.UnixEpoch));
        var view = Render<PrivacyVerdictView>(p => p.Add(c => c.Verdict, outbox.Verdict).Add(c => c.Exception, outbox.Gate!.Exception));
        Assert.Contains("alice", view.Find("[data-testid=privacy-exception]").TextContent);
        Assert.Contains("“Ethics board EB-7 agreed.”", view.Find("[data-testid=privacy-exception]").TextContent);
    }

    [Fact]
    public void The_report_shows_marketer_risk_the_share_removed_and_each_columns_utility_with_what_it_means()
    {
        var view = Render<PrivacyReportView>(p => p.Add(c => c.Report, Report));
        var table = view.Find("[data-testid=privacy-patients]");
        string Row(string label) => table.QuerySelectorAll("tr").Single(tr => tr.QuerySelector("th")!.TextContent == label).QuerySelector("td")!.TextContent;
        Assert.StartsWith(0.25.ToString("P1"), Row("Marketer risk"));
        Assert.StartsWith($"{0.0:P1} of 12", Row("Share removed"));
        Assert.StartsWith("48", Row("Discernibility"));
        Assert.StartsWith($"information loss {10.0 / 120:P1}", view.Find("[data-testid=utility-patients-age]").QuerySelector("td")!.TextContent);
        var ward = view.Find("[data-testid=utility-patients-ward]").QuerySelector("td")!.TextContent;
        Assert.Contains($"{0.5:P1} of records moved", ward);
        Assert.Contains("nothing lost in the column itself", ward);
    }

    [Fact]
    public void Without_a_policy_the_editor_proposes_the_defaults_and_saves_them()
    {
        PrivacyPolicy? saved = null;
        var proposed = new PrivacyPolicy(5, null, 0.2, 0.1, 0.1);
        var editor = Render<PrivacyPolicyEditor>(p => p.Add(c => c.Policy, null).Add(c => c.Proposed, proposed)
            .Add(c => c.OnSave, (PrivacyPolicy? x) => saved = x));

        Assert.Contains("k ≥ 5", editor.Find("[data-testid=policy-none]").TextContent);
        Assert.Empty(editor.FindAll("[data-testid=policy-remove]"));
        editor.Find("[data-testid=policy-save]").Click();

        Assert.Equal(proposed, saved);
    }

    [Fact]
    public void What_is_typed_survives_a_re_render_of_the_page_with_the_same_proposal()
    {
        PrivacyPolicy? saved = null;
        var editor = Render<PrivacyPolicyEditor>(p => p.Add(c => c.Policy, null).Add(c => c.Proposed, new PrivacyPolicy(5, null, 0.2, 0.1, 0.1))
            .Add(c => c.OnSave, (PrivacyPolicy? x) => saved = x));
        editor.Find("input[name=policy-min-k]").Change("1000");

        // The page renders again (a notification, say) and hands an equal, new proposal.
        editor.Render(p => p.Add(c => c.Proposed, new PrivacyPolicy(5, null, 0.2, 0.1, 0.1)));
        editor.Find("[data-testid=policy-save]").Click();

        Assert.Equal(1000, saved!.MinK);
    }

    [Fact]
    public void A_policy_can_be_removed_from_the_editor()
    {
        PrivacyPolicy? saved = Strict;
        var editor = Render<PrivacyPolicyEditor>(p => p.Add(c => c.Policy, Strict).Add(c => c.OnSave, (PrivacyPolicy? x) => saved = x));
        Assert.Empty(editor.FindAll("[data-testid=policy-none]"));
        editor.Find("[data-testid=policy-remove]").Click();
        Assert.Null(saved);
    }

    [Fact]
    public async Task The_upload_confirmation_names_destination_and_version_and_a_passing_outbox_uploads()
    {
        var (provider, result) = await ShowAsync(Outbox(new PrivacyPolicy(4, 2, 0.25, 0.25, 0)), admin: false);

        Assert.Contains("Warehouse", provider.Find("[data-testid=upload-destination-line]").TextContent);
        Assert.Equal("version 3", provider.Find("[data-testid=upload-version]").TextContent);
        Assert.NotNull(provider.Find("[data-testid=privacy-passed]"));
        Assert.Contains($"k 4 · highest risk {0.25:P1}", provider.Find("[data-testid=upload-figures]").TextContent);
        provider.Find("[data-testid=upload-confirm]").Click();

        Assert.Equal("", (await result)!.Data);
    }

    [Fact]
    public async Task A_failing_outbox_cannot_be_confirmed_except_by_an_administrator_with_a_reason()
    {
        var (provider, _) = await ShowAsync(Outbox(Strict), admin: false);
        Assert.NotNull(provider.Find("[data-testid=privacy-blocked]"));
        Assert.Empty(provider.FindAll("[data-testid=upload-confirm]"));
        Assert.Empty(provider.FindAll("[data-testid=upload-exception]"));
        Assert.Empty(provider.FindAll("[data-testid=upload-reason]"));
        provider.Find("[data-testid=upload-cancel]").Click();

        var (adminView, result) = await ShowAsync(Outbox(Strict), admin: true);
        Assert.True(adminView.Find("[data-testid=upload-exception]").HasAttribute("disabled"));
        adminView.Find("textarea[data-testid=upload-reason], [data-testid=upload-reason] textarea").Input("  Ethics board EB-7 agreed.  ");
        adminView.Find("[data-testid=upload-exception]").Click();

        Assert.Equal("Ethics board EB-7 agreed.", (await result)!.Data);
    }

    private async Task<(IRenderedComponent<MudDialogProvider> Provider, Task<DialogResult?> Result)> ShowAsync(OutboxPrivacy privacy, bool admin)
    {
        var provider = Render<MudDialogProvider>();
        var confirmation = new UploadConfirmation(privacy.RunId, Guid.NewGuid(), "Warehouse", ConnectionKind.PostgreSql, 3, privacy, admin);
        var reference = await provider.InvokeAsync(() => Services.GetRequiredService<IDialogService>().ShowAsync<UploadConfirmDialog>("Upload",
            new DialogParameters { ["Confirmation"] = confirmation }));
        return (provider, reference.Result);
    }
}
