using Bunit;
using EtlStudio.Core.Access;
using EtlStudio.Core.Connections;
using EtlStudio.Core.Domain;
using EtlStudio.Web.Components.Pages.Approvals;
using EtlStudio.Web.Components.Pages.Connections;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Web;
using MudBlazor;

namespace EtlStudio.Tests.Components;

/// <summary>
/// The access request and decision dialogs: what they refuse before anything is sent, and what they send (the pages pass
/// the sending in, so these see exactly what would reach <see cref="AccessRequestService"/>).
/// </summary>
public sealed class AccessDialogTests : MudTestContext
{
    private static readonly OwnerView Bob = new(Guid.NewGuid(), "bob", "Bob Owner");

    private static ConnectionView Connection(params AccessType[] mine) => new(Guid.NewGuid(), "CRM", ConnectionKind.PostgreSql, "", "{}", "", 1, "{}",
        [Bob], mine, [], DateTimeOffset.UtcNow, DateTimeOffset.UtcNow);

    private static AccessRequestView Request(int? wishedDays) => new(Guid.NewGuid(), Guid.NewGuid(), "CRM", Guid.NewGuid(), "dave", "Dave Analyst",
        AccessType.Read, "Features for the churn model", wishedDays, AccessRequestStatus.Pending, DateTimeOffset.UtcNow, null, null, null, null, true);

    private IRenderedComponent<MudDialogProvider> Decision(bool approve, bool askPeriod, int? wishedDays, List<AccessDecision> sent) =>
        ShowDialog<DecisionDialog>(p =>
        {
            p.Add(c => c.Request, Request(wishedDays));
            p.Add(c => c.Approve, approve);
            p.Add(c => c.AskPeriod, askPeriod);
            p.Add(c => c.Decide, d => { sent.Add(d); return Task.FromResult(true); });
        });

    private IRenderedComponent<MudDialogProvider> Asking(ConnectionView connection, List<AccessRequestDraft> sent, Func<Task<bool>>? answer = null) =>
        ShowDialog<RequestAccessDialog>(p =>
        {
            p.Add(c => c.Connection, connection);
            p.Add(c => c.Send, d => { sent.Add(d); return answer?.Invoke() ?? Task.FromResult(true); });
        });

    private static void Closed(IRenderedComponent<MudDialogProvider> dialog) => dialog.WaitForAssertion(() => Assert.Empty(dialog.FindAll(".mud-dialog")));

    [Fact]
    public async Task A_denial_without_a_reason_is_refused_and_with_one_it_is_sent_trimmed()
    {
        var sent = new List<AccessDecision>();
        var dialog = Decision(approve: false, askPeriod: false, wishedDays: null, sent);
        Assert.Equal("Deny", dialog.Find("[data-testid=decision-confirm]").TextContent.Trim());
        Assert.Empty(dialog.FindAll("[data-testid=decision-until]"));

        await dialog.Find("[data-testid=decision-comment]").ChangeAsync(new ChangeEventArgs { Value = "   " });
        await dialog.Find("[data-testid=decision-confirm]").ClickAsync(new MouseEventArgs());
        Assert.Empty(sent);
        Assert.Contains("Say why you deny it", dialog.Markup);

        await dialog.Find("[data-testid=decision-comment]").ChangeAsync(new ChangeEventArgs { Value = "  Corrections go through the source system " });
        await dialog.Find("[data-testid=decision-confirm]").ClickAsync(new MouseEventArgs());
        Assert.Equal(new AccessDecision(false, "Corrections go through the source system", null), Assert.Single(sent));
        Closed(dialog);
    }

    [Fact]
    public async Task An_approval_needs_no_comment_and_without_a_period_grants_without_end()
    {
        var sent = new List<AccessDecision>();
        var dialog = Decision(approve: true, askPeriod: false, wishedDays: 14, sent);
        await dialog.Find("[data-testid=decision-confirm]").ClickAsync(new MouseEventArgs());
        Assert.Equal(new AccessDecision(true, null, null), Assert.Single(sent));
        Closed(dialog);
    }

    [Fact]
    public async Task An_approval_with_a_period_proposes_the_wished_days_and_passes_the_end_of_the_day_chosen()
    {
        var today = TimeProvider.System.GetLocalNow().Date;
        var sent = new List<AccessDecision>();
        var dialog = Decision(approve: true, askPeriod: true, wishedDays: 14, sent);
        var until = dialog.Find("[data-testid=decision-until]");
        Assert.Equal(today.AddDays(14).ToString("yyyy-MM-dd"), until.GetAttribute("value"));

        var chosen = today.AddDays(45);
        await until.ChangeAsync(new ChangeEventArgs { Value = chosen.ToString("yyyy-MM-dd") });
        await dialog.Find("[data-testid=decision-comment]").ChangeAsync(new ChangeEventArgs { Value = "Until the study ends" });
        await dialog.Find("[data-testid=decision-confirm]").ClickAsync(new MouseEventArgs());
        var decision = Assert.Single(sent);
        Assert.Equal(new DateTimeOffset(chosen.AddDays(1).AddSeconds(-1)), decision.Until);
        Assert.Equal("Until the study ends", decision.Comment);
    }

    [Fact]
    public async Task A_request_without_a_reason_is_refused_before_anything_is_sent()
    {
        var sent = new List<AccessRequestDraft>();
        var dialog = Asking(Connection(), sent);
        await dialog.Find("[data-testid=request-submit]").ClickAsync(new MouseEventArgs());
        Assert.Empty(sent);
        Assert.Contains("Say why you need the access.", dialog.Markup);
        Assert.Contains("The owners (bob) are notified", dialog.Markup);
        Assert.Single(dialog.FindAll(".mud-dialog"));
    }

    [Fact]
    public async Task A_request_sends_the_access_the_reason_and_the_days_and_offers_only_access_not_yet_held()
    {
        var sent = new List<AccessRequestDraft>();
        var dialog = Asking(Connection(AccessType.Read), sent);
        var radios = dialog.FindAll("input[type=radio]");
        Assert.True(radios[0].HasAttribute("disabled")); // READ is held already
        Assert.False(radios[1].HasAttribute("disabled"));

        await dialog.Find("[data-testid=request-reason]").ChangeAsync(new ChangeEventArgs { Value = " Corrections for the churn table " });
        await dialog.Find("[data-testid=request-days]").ChangeAsync(new ChangeEventArgs { Value = "14" });
        await dialog.Find("[data-testid=request-submit]").ClickAsync(new MouseEventArgs());
        Assert.Equal(new AccessRequestDraft(AccessType.Write, "Corrections for the churn table", 14), Assert.Single(sent));
        Closed(dialog);
    }

    [Fact]
    public async Task A_request_without_days_asks_for_access_without_end_and_the_dialog_stays_busy_only_while_sending()
    {
        var sending = new TaskCompletionSource<bool>();
        var sent = new List<AccessRequestDraft>();
        var dialog = Asking(Connection(), sent, () => sending.Task);
        await dialog.Find("[data-testid=request-reason]").ChangeAsync(new ChangeEventArgs { Value = "Features" });
        // The click's handler waits for the answer held back below: wait for what it sent, not for the handler.
        dialog.Find("[data-testid=request-submit]").Click();
        dialog.WaitForAssertion(() => Assert.Equal(new AccessRequestDraft(AccessType.Read, "Features", null), Assert.Single(sent)));
        dialog.WaitForAssertion(() => Assert.True(dialog.Find("[data-testid=request-submit]").HasAttribute("disabled")));

        sending.SetResult(false); // refused by the server: the dialog stays open for another try
        dialog.WaitForAssertion(() => Assert.False(dialog.Find("[data-testid=request-submit]").HasAttribute("disabled")));
        Assert.Single(dialog.FindAll(".mud-dialog"));
    }
}
