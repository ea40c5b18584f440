using System.Text.Json;
using Bunit;
using EtlStudio.Core.Domain;
using EtlStudio.Core.Pipeline.Anonymization;
using EtlStudio.Web.Components.Pages.Runs;
using EtlStudio.Web.Components.Shared;

namespace EtlStudio.Tests.Components;

/// <summary>The shared components rendered by bUnit: what they show for the data they are given.</summary>
public sealed class SharedComponentTests : MudTestContext
{
    [Fact]
    public void A_row_table_takes_its_columns_from_the_rows_and_marks_nulls()
    {
        IReadOnlyList<IReadOnlyDictionary<string, string?>> rows =
        [
            new Dictionary<string, string?> { ["id"] = "1", ["name"] = "Ann" },
            new Dictionary<string, string?> { ["id"] = "2", ["name"] = null, ["city"] = "Oslo" },
        ];
        var table = Render<RowTable>(p => p.Add(c => c.Rows, rows));
        Assert.Equal(["id", "name", "city"], table.FindAll("th[scope=col]").Select(th => th.TextContent));
        var cells = table.FindAll("tbody tr").Select(tr => string.Join("|", tr.QuerySelectorAll("td").Select(td => td.TextContent))).ToList();
        Assert.Equal(["1|Ann|", "2|∅|Oslo"], cells);
    }

    [Fact]
    public void An_empty_row_table_says_so_instead_of_drawing_a_table()
    {
        var table = Render<RowTable>(p => p.Add(c => c.Rows, []).Add(c => c.Empty, "Nothing dropped."));
        Assert.Empty(table.FindAll("table"));
        Assert.Contains("Nothing dropped.", table.Markup);
    }

    [Fact]
    public void The_page_title_bar_shows_a_focusable_heading_the_subtitle_and_the_actions()
    {
        var bar = Render<PageTitleBar>(p => p.Add(c => c.Title, "Runs").Add(c => c.Subtitle, "Every run.")
            .Add(c => c.Actions, b => b.AddMarkupContent(0, "<button id=\"act\">Go</button>")));
        var h1 = bar.Find("h1");
        Assert.Equal("Runs", h1.TextContent);
        Assert.Equal("-1", h1.GetAttribute("tabindex")); // FocusOnNavigate moves focus here after each navigation
        Assert.Equal("Every run.", bar.Find(".etl-subtitle").TextContent);
        Assert.NotNull(bar.Find(".etl-actions #act"));
    }

    [Fact]
    public void The_page_title_bar_leaves_out_an_empty_subtitle()
    {
        var bar = Render<PageTitleBar>(p => p.Add(c => c.Title, "Runs"));
        Assert.Empty(bar.FindAll(".etl-subtitle"));
    }

    [Theory]
    [InlineData(RunState.Running, false, false, "Running", "mud-chip-color-info")]
    [InlineData(RunState.Running, true, false, "Pausing", "mud-chip-color-info")]
    [InlineData(RunState.Running, false, true, "Stopping", "mud-chip-color-info")]
    [InlineData(RunState.Prepared, false, false, "Prepared", "mud-chip-color-primary")]
    [InlineData(RunState.Uploaded, false, false, "Uploaded", "mud-chip-color-success")]
    [InlineData(RunState.Failed, false, false, "Failed", "mud-chip-color-error")]
    public void A_run_state_badge_says_what_the_run_is_doing_in_its_colour(RunState state, bool pause, bool stop, string text, string colour)
    {
        var badge = Render<RunStateBadge>(p => p.Add(c => c.State, state).Add(c => c.PauseRequested, pause).Add(c => c.StopRequested, stop));
        var chip = badge.Find("[data-testid=run-state]");
        Assert.Equal(text, chip.TextContent.Trim());
        Assert.Contains(colour, chip.ClassName);
    }

    [Fact]
    public void The_privacy_report_shows_k_classes_risk_and_l_per_table()
    {
        var report = new PrivacyReport([new TablePrivacyReport("customers", ["age", "city"], 5, 7, 40, 12, 1.0 / 7, 0.05,
            [new SensitiveColumnReport("diagnosis", 2, 3)])]);
        var view = Render<PrivacyReportView>(p => p.Add(c => c.Json, JsonSerializer.Serialize(report, JsonSerializerOptions.Web)));
        var table = view.Find("[data-testid=privacy-customers]");
        string Row(string label) => table.QuerySelectorAll("tr").Single(tr => tr.QuerySelector("th")!.TextContent == label).QuerySelector("td")!.TextContent;
        Assert.Equal("age, city", Row("Quasi-identifiers"));
        Assert.Equal("7 / 5", Row("k reached / asked"));
        Assert.Equal("12", Row("Records suppressed"));
        Assert.Contains("highest 14.3", Row("Re-identification risk"));
        Assert.Equal("3 (asked 2)", Row("l of diagnosis"));
        Assert.DoesNotContain(table.QuerySelectorAll("th"), th => th.TextContent == "Removed with their parent");
    }

    [Fact]
    public void The_privacy_report_counts_the_records_removed_because_their_parent_was()
    {
        var report = new PrivacyReport([new TablePrivacyReport("orders", [], null, null, 0, 0, null, null, [], RecordsRemovedWithParent: 4)]);
        var view = Render<PrivacyReportView>(p => p.Add(c => c.Json, JsonSerializer.Serialize(report, JsonSerializerOptions.Web)));
        var row = view.Find("[data-testid=privacy-orders]").QuerySelectorAll("tr").Single(tr => tr.QuerySelector("th")!.TextContent == "Removed with their parent");
        Assert.Equal("4", row.QuerySelector("td")!.TextContent);
    }

    [Fact]
    public void Without_a_report_the_privacy_view_says_when_one_appears()
    {
        var view = Render<PrivacyReportView>();
        Assert.Equal("Computed by the anonymization step.", view.Find("[data-testid=privacy-empty]").TextContent);
    }
}
