using Bunit;
using EtlStudio.Core.Common;
using EtlStudio.Core.Domain;
using EtlStudio.Core.Runs;
using EtlStudio.Web.Components.Pages.Runs;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;

namespace EtlStudio.Tests.Components;

/// <summary>The runs list over a fake run history (the Core boundary it asks): what its filters send, and that they start again from page 1.</summary>
public sealed class RunsListFilterTests : MudTestContext
{
    private static readonly Guid Churn = Guid.NewGuid(), Billing = Guid.NewGuid();
    private readonly History _history = new();

    public RunsListFilterTests()
    {
        SignIn("alice");
        Services.AddSingleton<IRunHistory>(_history);
    }

    private IRenderedComponent<RunsIndex> RenderList()
    {
        Render<MudPopoverProvider>();
        var list = Render<RunsIndex>();
        list.WaitForAssertion(() => Assert.Equal(20, list.FindAll("[data-testid=runs-grid] tbody tr").Count));
        return list;
    }

    private static void NextPage(IRenderedComponent<RunsIndex> list) => list.Find("[data-testid=runs-grid] button[aria-label='Next page']").Click();

    [Fact]
    public void The_first_page_asks_for_every_run_and_the_task_filter_offers_the_tasks_with_runs()
    {
        var list = RenderList();
        var (filter, page) = _history.Asked.Last();
        Assert.Equal(new RunFilter(), filter);
        Assert.Equal(1, page.Page);
        Assert.Equal(20, page.PageSize);
        Assert.Contains("Billing #90", list.Find("[data-testid=runs-grid] tbody tr a").TextContent);
    }

    [Fact]
    public void Choosing_a_state_sends_it_to_the_query_and_starts_again_from_page_one()
    {
        var list = RenderList();
        NextPage(list);
        list.WaitForAssertion(() => Assert.Equal(2, _history.Asked.Last().Page.Page));

        var state = list.FindComponent<MudSelect<RunState?>>();
        list.InvokeAsync(() => state.Instance.SelectOption(RunState.Failed));
        list.WaitForAssertion(() => Assert.Equal(RunState.Failed, _history.Asked.Last().Filter.State));
        Assert.Equal(1, _history.Asked.Last().Page.Page);
        Assert.All(list.FindAll("[data-testid=run-state]"), chip => Assert.Equal("Failed", chip.TextContent.Trim()));
    }

    [Fact]
    public void Choosing_a_task_sends_it_to_the_query_and_starts_again_from_page_one_keeping_the_state()
    {
        var list = RenderList();
        var state = list.FindComponent<MudSelect<RunState?>>();
        list.InvokeAsync(() => state.Instance.SelectOption(RunState.Uploaded));
        list.WaitForAssertion(() => Assert.Equal(RunState.Uploaded, _history.Asked.Last().Filter.State));
        NextPage(list);
        list.WaitForAssertion(() => Assert.Equal(2, _history.Asked.Last().Page.Page));

        var task = list.FindComponent<MudSelect<Guid?>>();
        list.InvokeAsync(() => task.Instance.SelectOption(Churn));
        list.WaitForAssertion(() => Assert.Equal(new RunFilter(Churn, RunState.Uploaded), _history.Asked.Last().Filter));
        Assert.Equal(1, _history.Asked.Last().Page.Page);
        Assert.Contains("churn", list.Find("[data-testid=runs-task]").InnerHtml);
    }

    [Fact]
    public void A_start_day_is_sent_as_the_start_of_that_day_in_utc()
    {
        var list = RenderList();
        list.Find("[data-testid=runs-from] input").Change("2026-11-30");
        list.WaitForAssertion(() => Assert.Equal(new DateTimeOffset(2026, 11, 30, 0, 0, 0, TimeSpan.Zero), _history.Asked.Last().Filter.From));
        Assert.Equal(1, _history.Asked.Last().Page.Page);
    }

    /// <summary>Ninety runs, forty-five of each task, states in turn; filtered and paged as <see cref="PipelineRunService"/> does.</summary>
    private sealed class History : IRunHistory
    {
        private static readonly RunState[] States = [RunState.Uploaded, RunState.Failed, RunState.Prepared];

        private readonly List<RunSummary> _runs = Enumerable.Range(1, 90).Select(i => new RunSummary(Guid.NewGuid(), i % 2 == 0 ? Billing : Churn,
            i % 2 == 0 ? "Billing" : "churn", i, States[i % 3], null, "alice", DateTimeOffset.UtcNow.AddMinutes(i), null, 0, null)).ToList();

        public List<(RunFilter Filter, PageRequest Page)> Asked { get; } = [];

        public Task<Paged<RunSummary>> ListAsync(Actor actor, RunFilter filter, PageRequest page, CancellationToken ct = default)
        {
            Asked.Add((filter, page));
            var runs = _runs.Where(r => (filter.TaskId is null || r.TaskId == filter.TaskId) && (filter.State is null || r.State == filter.State)
                                        && (filter.From is null || r.CreatedAt >= filter.From)).OrderByDescending(r => r.CreatedAt).ToList();
            return Task.FromResult(new Paged<RunSummary>(runs.Skip(page.Skip).Take(page.SafeSize).ToList(), runs.Count, page.SafePage, page.SafeSize));
        }

        public Task<IReadOnlyList<(Guid Id, string Name)>> TasksWithRunsAsync(Actor actor, CancellationToken ct = default) =>
            Task.FromResult<IReadOnlyList<(Guid Id, string Name)>>([(Billing, "Billing"), (Churn, "churn")]);
    }
}
