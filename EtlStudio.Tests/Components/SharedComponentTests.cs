using System.Text.Json;
using EtlStudio.Core.Domain;
using EtlStudio.Core.Pipeline.Anonymization;
using EtlStudio.Web.Components.Pages.Runs;
using EtlStudio.Web.Components.Shared;

namespace EtlStudio.Tests.Components;

/// <summary>The shared components rendered to HTML: what they show for the data they are given.</summary>
public sealed class SharedComponentTests
{
    [Fact]
    public async Task A_row_table_takes_its_columns_from_the_rows_and_marks_nulls()
    {
        IReadOnlyList<IReadOnlyDictionary<string, string?>> rows =
        [
            new Dictionary<string, string?> { ["id"] = "1", ["name"] = "Ann" },
            new Dictionary<string, string?> { ["id"] = "2", ["name"] = null, ["city"] = "Oslo" },
        ];
        var html = await ComponentRenderer.RenderAsync<RowTable>(new Dictionary<string, object?> { ["Rows"] = rows });
        Assert.Contains("<th scope=\"col\">id</th><th scope=\"col\">name</th><th scope=\"col\">city</th>", html);
        Assert.Contains("<td>2</td><td>∅</td><td>Oslo</td>", html);
        Assert.Contains("<td>1</td><td>Ann</td><td></td>", html);
    }

    [Fact]
    public async Task An_empty_row_table_says_so_instead_of_drawing_a_table()
    {
        var html = await ComponentRenderer.RenderAsync<RowTable>(new Dictionary<string, object?>
        {
            ["Rows"] = (IReadOnlyList<IReadOnlyDictionary<string, string?>>)[], ["Empty"] = "Nothing dropped.",
        });
        Assert.DoesNotContain("<table", html);
        Assert.Contains("Nothing dropped.", html);
    }

    [Fact]
    public async Task The_page_title_bar_sets_the_document_title_and_a_focusable_heading()
    {
        var html = await ComponentRenderer.RenderAsync<PageTitleBar>(new Dictionary<string, object?> { ["Title"] = "Runs", ["Subtitle"] = "Every run." });
        Assert.Contains("<h1 class=\"rz-text-h5 rz-m-0\" tabindex=\"-1\">Runs</h1>", html);
        Assert.Contains("Every run.", html);
    }

    [Theory]
    [InlineData(RunState.Running, false, false, "Running")]
    [InlineData(RunState.Running, true, false, "Pausing")]
    [InlineData(RunState.Running, false, true, "Stopping")]
    [InlineData(RunState.Prepared, false, false, "Prepared")]
    [InlineData(RunState.Failed, false, false, "Failed")]
    public async Task A_run_state_badge_says_what_the_run_is_doing(RunState state, bool pause, bool stop, string text)
    {
        var html = await ComponentRenderer.RenderAsync<RunStateBadge>(new Dictionary<string, object?>
        {
            ["State"] = state, ["PauseRequested"] = pause, ["StopRequested"] = stop,
        });
        Assert.Contains($">{text}<", html);
        Assert.Contains("data-testid=\"run-state\"", html);
    }

    [Fact]
    public async Task The_privacy_report_shows_k_classes_risk_and_l_per_table()
    {
        var report = new PrivacyReport([new TablePrivacyReport("customers", ["age", "city"], 5, 7, 40, 12, 1.0 / 7, 0.05,
            [new SensitiveColumnReport("diagnosis", 2, 3)])]);
        var html = await ComponentRenderer.RenderAsync<PrivacyReportView>(new Dictionary<string, object?> { ["Json"] = JsonSerializer.Serialize(report, JsonSerializerOptions.Web) });
        Assert.Contains("data-testid=\"privacy-customers\"", html);
        Assert.Contains("<td>age, city</td>", html);
        Assert.Contains("<td>7 / 5</td>", html);
        Assert.Contains("<td>12</td>", html);
        Assert.Contains("highest 14.3%", html.Replace(" %", "%"));
        Assert.Contains("l of diagnosis", html);
    }

    [Fact]
    public async Task Without_a_report_the_privacy_view_says_when_one_appears()
    {
        var html = await ComponentRenderer.RenderAsync<PrivacyReportView>();
        Assert.Contains("Computed by the anonymization step.", html);
    }
}
