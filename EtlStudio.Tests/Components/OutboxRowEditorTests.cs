using Bunit;
using EtlStudio.Core.Common;
using EtlStudio.Core.Pipeline;
using EtlStudio.Web.Components.Pages.Outbox;
using FieldType = EtlStudio.Core.Scripts.FieldType;

namespace EtlStudio.Tests.Components;

/// <summary>The outbox row editor: typed fields checked as typed, with the server's words, and nothing sent while a value is refused.</summary>
public sealed class OutboxRowEditorTests : MudTestContext
{
    private static readonly IReadOnlyList<OutboxColumn> Columns = [new("id", FieldType.Integer), new("city", FieldType.String), new("born", FieldType.Date)];

    private IRenderedComponent<OutboxRowEditor> Editor(OutboxGridRow row, List<OutboxGridRow> saved, IReadOnlyList<ValidationProblem>? problems = null) =>
        Render<OutboxRowEditor>(p => p.Add(c => c.TableName, "people").Add(c => c.Columns, Columns).Add(c => c.Row, row)
            .Add(c => c.Problems, problems ?? []).Add(c => c.OnSave, (OutboxGridRow r) => saved.Add(r)));

    private static OutboxGridRow Existing() => new() { RowId = 7, Texts = new() { ["id"] = "7", ["city"] = "Oslo", ["born"] = "1990-01-02" } };

    [Fact]
    public void A_value_of_the_wrong_type_is_named_at_its_field_and_on_save_nothing_is_sent()
    {
        var saved = new List<OutboxGridRow>();
        var editor = Editor(Existing(), saved);
        editor.Find("[data-testid=edit-id]").Input("seven");
        Assert.Contains("Column 'id' expects an integer", editor.Markup);
        Assert.Empty(editor.FindAll("[data-testid=row-problems]")); // not shouted before a save is tried

        editor.Find("[data-testid=row-save]").Click();
        Assert.Empty(saved);
        Assert.Contains("Column 'id' expects an integer", editor.Find("[data-testid=row-problems]").TextContent);
    }

    [Fact]
    public void Once_corrected_the_row_is_saved_with_the_typed_text()
    {
        var saved = new List<OutboxGridRow>();
        var editor = Editor(Existing(), saved);
        editor.Find("[data-testid=edit-born]").Input("02.01.1990");
        editor.Find("[data-testid=row-save]").Click();
        Assert.Empty(saved);

        editor.Find("[data-testid=edit-born]").Input("1990-02-01");
        editor.Find("[data-testid=edit-city]").Input("Brno");
        editor.Find("[data-testid=row-save]").Click();
        var row = Assert.Single(saved);
        Assert.Equal("1990-02-01", row.Texts["born"]);
        Assert.Equal("Brno", row.Texts["city"]);
        Assert.Empty(editor.FindAll(".mud-input-error"));
    }

    [Fact]
    public void The_servers_problems_are_shown_and_a_new_row_says_it_is_new()
    {
        var editor = Editor(new OutboxGridRow { Texts = new() { ["id"] = null, ["city"] = null, ["born"] = null } }, [],
            [new ValidationProblem("rows[0].id", "Column 'id' must not be empty: it is the primary key.")]);
        Assert.Contains("must not be empty", editor.Find("[data-testid=row-problems]").TextContent);
        Assert.Contains("New row of people", editor.Markup);
    }
}
