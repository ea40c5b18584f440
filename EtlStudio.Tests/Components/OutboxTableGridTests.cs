using Bunit;
using EtlStudio.Core.Domain;
using EtlStudio.Core.Outbox;
using EtlStudio.Core.Pipeline;
using EtlStudio.Tests.Outbox;
using EtlStudio.Web.Components.Pages.Outbox;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;

namespace EtlStudio.Tests.Components;

/// <summary>
/// The outbox grid over the real <see cref="OutboxService"/> and a staged outbox: MudBlazor's sort headers (a button
/// showing the direction, aria-sort on the cell) with the server's order behind them, and filters that start from page 1.
/// </summary>
public sealed class OutboxTableGridTests(OutboxCore core) : MudTestContext, IClassFixture<OutboxCore>
{
    /// <summary>Each wait reads the real database through the Core; on a machine busy with the whole suite that takes more than bUnit's default second.</summary>
    private static readonly TimeSpan ServerTime = TimeSpan.FromSeconds(15);

    private Guid _runId;
    private OutboxTable _table = default!;

    public override async Task InitializeAsync()
    {
        var world = await OutboxWorld.CreateAsync(core);
        var run = await core.StageAsync(world.Manager, world.Destination, ConnectionKind.PostgreSql, [OutboxWorld.People(40)]);
        _runId = run.RunId;
        _table = (await core.Get<OutboxService>().GetPageAsync(world.DataManager, _runId, "people", new OutboxQuery(1, 1))).Table;
        SignIn(world.DataManager.Login, world.DataManager.UserId);
        Services.AddSingleton(core.Get<OutboxService>());
    }

    private IRenderedComponent<OutboxTableGrid> RenderGrid()
    {
        Render<MudPopoverProvider>();
        var grid = Render<OutboxTableGrid>(p => p.Add(c => c.RunId, _runId).Add(c => c.Table, _table));
        grid.WaitForAssertion(() => Assert.Equal(25, grid.FindAll("[data-testid=outbox-grid] tbody tr").Count), ServerTime);
        return grid;
    }

    private static AngleSharp.Dom.IElement Header(IRenderedComponent<OutboxTableGrid> grid, string title) =>
        grid.FindAll("[data-testid=outbox-grid] thead th").Single(th => th.TextContent.Contains(title));

    private static List<string> Column(IRenderedComponent<OutboxTableGrid> grid, int column) =>
        grid.FindAll("[data-testid=outbox-grid] tbody tr").Select(tr => tr.QuerySelectorAll("td")[column].TextContent.Trim()).ToList();

    [Fact]
    public void Every_column_heading_has_a_sort_button_and_no_cell_claims_an_order_before_one_is_chosen()
    {
        var grid = RenderGrid();
        var headers = grid.FindAll("[data-testid=outbox-grid] thead th");
        Assert.Equal(["#", "id (Integer)", "name (String)", "age (Integer)", "born (Date)", "score (Double)", "active (Boolean)"], headers.Select(th => th.TextContent.Trim()));
        Assert.All(headers, th => Assert.Equal("BUTTON", th.QuerySelector("button.sort-direction-icon")!.TagName));
        Assert.All(headers, th => Assert.False(th.HasAttribute("aria-sort")));
        Assert.Equal(Enumerable.Range(1, 25).Select(i => i.ToString()), Column(grid, 1));
    }

    [Fact]
    public void The_sort_button_sorts_on_the_server_ascending_then_descending_and_the_cell_and_icon_say_which()
    {
        var grid = RenderGrid();
        Header(grid, "id (Integer)").QuerySelector("button.sort-direction-icon")!.Click();
        grid.WaitForAssertion(() => Assert.Equal("ascending", Header(grid, "id (Integer)").GetAttribute("aria-sort")), ServerTime);
        Assert.Contains("mud-direction-asc", Header(grid, "id (Integer)").QuerySelector("button.sort-direction-icon")!.ClassName);
        Assert.Equal(Enumerable.Range(1, 25).Select(i => i.ToString()), Column(grid, 1));

        Header(grid, "id (Integer)").QuerySelector("button.sort-direction-icon")!.Click();
        grid.WaitForAssertion(() => Assert.Equal(Enumerable.Range(16, 25).Reverse().Select(i => i.ToString()), Column(grid, 1)), ServerTime);
        Assert.Equal("descending", Header(grid, "id (Integer)").GetAttribute("aria-sort"));
        Assert.Contains("mud-direction-desc", Header(grid, "id (Integer)").QuerySelector("button.sort-direction-icon")!.ClassName);
        Assert.False(Header(grid, "name (String)").HasAttribute("aria-sort"));
    }

    [Fact]
    public void Sorting_by_another_column_moves_the_order_there_and_the_server_orders_by_it()
    {
        var grid = RenderGrid();
        Header(grid, "age (Integer)").QuerySelector("button.sort-direction-icon")!.Click();
        grid.WaitForAssertion(() => Assert.Equal("ascending", Header(grid, "age (Integer)").GetAttribute("aria-sort")), ServerTime);
        // age is 18 + id % 60: ids 1–40 give 19–58, so ascending age is ascending id here; descending shows it is the server's order.
        Header(grid, "age (Integer)").QuerySelector("button.sort-direction-icon")!.Click();
        grid.WaitForAssertion(() => Assert.Equal(Enumerable.Range(16, 25).Reverse().Select(i => (18 + i).ToString()), Column(grid, 3)), ServerTime);
        Assert.Equal("descending", Header(grid, "age (Integer)").GetAttribute("aria-sort"));
        Assert.False(Header(grid, "id (Integer)").HasAttribute("aria-sort"));
    }

    [Fact]
    public void A_filter_applied_on_a_later_page_shows_its_first_page()
    {
        var grid = RenderGrid();
        grid.Find("[data-testid=outbox-grid] button[aria-label='Next page']").Click();
        grid.WaitForAssertion(() => Assert.Equal(Enumerable.Range(26, 15).Select(i => i.ToString()), Column(grid, 1)), ServerTime);

        var column = grid.FindComponents<MudSelect<string>>().Single(s => s.Instance.Label == "Column");
        grid.InvokeAsync(() => column.Instance.SelectOption("name"));
        grid.Find("[data-testid=filter-value]").Input("person 0");
        grid.Find("[data-testid=filter-apply]").Click();
        // "contains person 0": 36 persons (every tenth has no name), two pages; the first starts at person 001.
        var firstPage = Enumerable.Range(1, 27).Where(i => i % 10 != 0).Select(i => i.ToString());
        grid.WaitForAssertion(() => Assert.Equal(firstPage, Column(grid, 1)), ServerTime);
    }
}
