using EtlStudio.Core.Common;
using EtlStudio.Core.Domain;
using EtlStudio.Core.Persistence;
using EtlStudio.Core.Scripts;
using EtlStudio.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace EtlStudio.Tests.Scripts;

public sealed class ScriptServiceTests(CoreServices core) : IClassFixture<CoreServices>
{
    private ScriptService Scripts => core.Get<ScriptService>();

    private static ScriptInput Rule(string max) =>
        new("age range", ScriptKind.FieldRule, null, "", new FieldRuleSettings(FieldType.Integer, FieldRuleType.FillOutOfRange, null, "18", max));

    [Fact]
    public async Task A_released_script_is_frozen_and_editing_it_makes_a_new_draft()
    {
        var editor = await core.CreateAsync("editor", UserRole.EditTask);
        var id = await Scripts.CreateAsync(editor, Rule("120"));
        await Scripts.ReleaseAsync(editor, id);

        var draftId = await Scripts.UpdateAsync(editor, id, Rule("99"));

        Assert.NotEqual(id, draftId);
        var released = await Scripts.GetAsync(editor, id);
        var draft = await Scripts.GetAsync(editor, draftId);
        Assert.True(released.Released);
        Assert.Equal("120", released.FieldRule!.MaxValue);
        Assert.False(draft.Released);
        Assert.Equal("99", draft.FieldRule!.MaxValue);
        Assert.Equal(id, draft.DerivedFromId);
        var again = await Assert.ThrowsAsync<DomainException>(() => Scripts.ReleaseAsync(editor, id));
        Assert.Equal(ErrorKind.FailedPrecondition, again.Kind);
    }

    [Fact]
    public async Task Every_save_is_kept_in_the_history()
    {
        var editor = await core.CreateAsync("editor", UserRole.EditTask);
        var id = await Scripts.CreateAsync(editor, new ScriptInput("q", ScriptKind.Extractor, null, "SELECT 1"));
        await Scripts.UpdateAsync(editor, id, new ScriptInput("q", ScriptKind.Extractor, null, "SELECT 2"));
        await Scripts.UpdateAsync(editor, id, new ScriptInput("q", ScriptKind.Extractor, null, "SELECT 3"));

        var history = await Scripts.HistoryAsync(editor, id);

        Assert.Equal([3, 2, 1], history.Select(h => h.Revision));
        Assert.Equal(["SELECT 3", "SELECT 2", "SELECT 1"], history.Select(h => h.Body));
        Assert.All(history, h => Assert.Equal(editor.Login, h.ChangedBy));
    }

    [Fact]
    public async Task Invalid_input_is_refused_with_every_problem_and_nothing_is_saved()
    {
        var editor = await core.CreateAsync("editor", UserRole.EditTask);
        var ex = await Assert.ThrowsAsync<ValidationException>(() => Scripts.CreateAsync(editor,
            new ScriptInput("", ScriptKind.FieldRule, null, "", new FieldRuleSettings(FieldType.Integer, FieldRuleType.FillEmpty, "x"))));
        Assert.Contains(ex.Problems, p => p.Path == "name");
        Assert.Contains(ex.Problems, p => p.Path == "fieldRule.defaultValue");
        Assert.Equal(0, (await Scripts.ListAsync(editor, null, null, new PageRequest())).Items.Count(s => s.Kind == ScriptKind.FieldRule && s.Name == ""));
    }

    [Fact]
    public async Task Only_task_editors_write_scripts_and_each_refusal_is_audited()
    {
        var dataManager = await core.CreateAsync("datamanager", UserRole.ManageData);
        var ex = await Assert.ThrowsAsync<DomainException>(() => Scripts.CreateAsync(dataManager, new ScriptInput("q", ScriptKind.Extractor, null, "SELECT 1")));
        Assert.Equal(ErrorKind.PermissionDenied, ex.Kind);
        await Assert.ThrowsAsync<DomainException>(() => Scripts.ListAsync(dataManager, null, null, new PageRequest()));

        await using var db = await core.Get<IDbContextFactory<EtlStudioDbContext>>().CreateDbContextAsync();
        var denied = await db.AuditEntries.Where(a => a.ActorId == dataManager.UserId && a.Outcome == AuditOutcome.Denied).Select(a => a.Action).ToListAsync();
        Assert.Equal(["script.create", "script.list"], denied.Order());
    }

    [Fact]
    public async Task A_script_keeps_its_kind()
    {
        var editor = await core.CreateAsync("editor", UserRole.EditTask);
        var id = await Scripts.CreateAsync(editor, new ScriptInput("q", ScriptKind.Extractor, null, "SELECT 1"));
        var ex = await Assert.ThrowsAsync<ValidationException>(() => Scripts.UpdateAsync(editor, id, new ScriptInput("q", ScriptKind.Uploader, null, "")));
        Assert.Contains(ex.Problems, p => p.Path == "kind");
    }
}
