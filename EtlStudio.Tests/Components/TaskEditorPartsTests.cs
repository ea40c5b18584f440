using Bunit;
using EtlStudio.Core.Common;
using EtlStudio.Core.Domain;
using EtlStudio.Core.Scripts;
using EtlStudio.Core.Tasks;
using EtlStudio.Web.Components.Pages.Tasks;
using MudBlazor;
using FieldType = EtlStudio.Core.Scripts.FieldType;

namespace EtlStudio.Tests.Components;

/// <summary>The task page's missing-parts panel and field-rule editor, rendered by bUnit with the data a task would give them.</summary>
public sealed class TaskEditorPartsTests : MudTestContext
{
    private static readonly Guid AgeRange = Guid.NewGuid(), AgeFill = Guid.NewGuid(), NameFill = Guid.NewGuid(), DraftRange = Guid.NewGuid();

    private static ScriptView Rule(Guid id, string name, FieldType type, FieldRuleType rule, bool released = true) =>
        new(id, null, name, ScriptKind.FieldRule, "", new FieldRuleSettings(type, rule), null, null, [], released, null, 1, null, DateTimeOffset.UnixEpoch);

    private static readonly IReadOnlyList<ScriptView> Scripts =
    [
        Rule(AgeRange, "age 18-120", FieldType.Integer, FieldRuleType.FillOutOfRange),
        Rule(AgeFill, "age default 0", FieldType.Integer, FieldRuleType.FillEmpty),
        Rule(NameFill, "name default", FieldType.String, FieldRuleType.FillEmpty),
        Rule(DraftRange, "age draft range", FieldType.Integer, FieldRuleType.RemoveOutOfRange, released: false),
    ];

    private static IReadOnlyList<TableConfig> Tables(params Guid[] ageRules) =>
    [
        new("customers", [new ColumnConfig("age", FieldType.Integer, ageRules), new ColumnConfig("name", FieldType.String, [])], "age", MergeStrategy.SourcePriority, [], []),
    ];

    [Fact]
    public void The_missing_panel_lists_each_missing_part_with_its_path()
    {
        var panel = Render<MissingPartsPanel>(p => p.Add(c => c.Missing, [new ValidationProblem("tables", "Add at least one table."), new ValidationProblem("upload.destination", "Choose where to upload.")]));
        var items = panel.FindAll("[data-testid=missing-list] li").Select(li => li.TextContent).ToList();
        Assert.Equal(["tables: Add at least one table.", "upload.destination: Choose where to upload."], items);
        Assert.Empty(panel.FindAll("[data-testid=missing-none]"));
    }

    [Theory]
    [InlineData(false, "Nothing. Ready to release.")]
    [InlineData(true, "Nothing. The task is released.")]
    public void With_nothing_missing_the_panel_says_whether_the_task_is_released(bool released, string text)
    {
        var panel = Render<MissingPartsPanel>(p => p.Add(c => c.Missing, []).Add(c => c.Released, released));
        Assert.Equal(text, panel.Find("[data-testid=missing-none]").TextContent);
        Assert.Empty(panel.FindAll("[data-testid=missing-list]"));
    }

    [Fact]
    public void The_rule_editor_offers_only_released_rules_of_the_columns_type_split_into_empty_and_range()
    {
        string[] Names(FieldType type, bool range) => FieldRulesEditor.Choices(Scripts, type, range).Select(s => s.Name).ToArray();
        Assert.Equal(["age default 0"], Names(FieldType.Integer, range: false));
        Assert.Equal(["age 18-120"], Names(FieldType.Integer, range: true)); // the draft range rule is not offered
        Assert.Equal(["name default"], Names(FieldType.String, range: false));
        Assert.Empty(Names(FieldType.String, range: true));

        // One row per column, each with its empty and range choice.
        var editor = Render<FieldRulesEditor>(p => p.Add(c => c.Tables, Tables()).Add(c => c.Scripts, Scripts));
        Assert.NotNull(editor.Find("[data-testid=empty-rule-customers-age]"));
        Assert.NotNull(editor.Find("[data-testid=range-rule-customers-name]"));
        Assert.Equal(4, editor.FindComponents<MudSelect<Guid?>>().Count);
    }

    [Fact]
    public async Task The_rule_editor_starts_from_the_saved_rules_and_saves_the_columns_choice()
    {
        var saved = new List<IReadOnlyList<FieldRuleBinding>>();
        var editor = Render<FieldRulesEditor>(p => p.Add(c => c.Tables, Tables(AgeRange)).Add(c => c.Scripts, Scripts)
            .Add(c => c.OnSave, (IReadOnlyList<FieldRuleBinding> b) => saved.Add(b)));
        editor.Find("[data-testid=rules-save]").Click();
        Assert.Equal([AgeRange], saved[^1].Single(b => b.Column == "age").ScriptIds);

        var selects = editor.FindComponents<MudSelect<Guid?>>();
        await editor.InvokeAsync(() => selects[0].Instance.ValueChanged.InvokeAsync(AgeFill)); // empty values of age
        editor.Find("[data-testid=rules-save]").Click();
        Assert.Equal([AgeFill, AgeRange], saved[^1].Single(b => b.Column == "age").ScriptIds);
        Assert.Empty(saved[^1].Single(b => b.Column == "name").ScriptIds);
    }

    [Fact]
    public async Task A_choice_not_saved_yet_survives_a_render_of_the_page_but_not_a_reload_of_the_task()
    {
        var saved = new List<IReadOnlyList<FieldRuleBinding>>();
        var editor = Render<FieldRulesEditor>(p => p.Add(c => c.Tables, Tables()).Add(c => c.Scripts, Scripts).Add(c => c.Busy, false)
            .Add(c => c.OnSave, (IReadOnlyList<FieldRuleBinding> b) => saved.Add(b)));
        await editor.InvokeAsync(() => editor.FindComponents<MudSelect<Guid?>>()[1].Instance.ValueChanged.InvokeAsync(AgeRange));

        editor.Render(p => p.Add(c => c.Busy, false)); // the page re-renders for another reason
        editor.Find("[data-testid=rules-save]").Click();
        Assert.Equal([AgeRange], saved[^1].Single(b => b.Column == "age").ScriptIds);

        editor.Render(p => p.Add(c => c.Tables, Tables())); // the task was loaded again: its saved rules count
        editor.Find("[data-testid=rules-save]").Click();
        Assert.Empty(saved[^1].Single(b => b.Column == "age").ScriptIds);
    }
}
