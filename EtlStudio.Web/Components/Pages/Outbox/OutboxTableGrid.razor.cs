using EtlStudio.Core.Outbox;
using EtlStudio.Core.Pipeline;
using EtlStudio.Web.Auth;
using EtlStudio.Web.Components.Shared;
using Microsoft.AspNetCore.Components;
using MudBlazor;

namespace EtlStudio.Web.Components.Pages.Outbox;

public partial class OutboxTableGrid
{
    [Inject] private OutboxService Outbox { get; set; } = default!;
    [Inject] private CurrentActor CurrentActor { get; set; } = default!;
    [Inject] private StudioDialogs Dialogs { get; set; } = default!;
    [Inject] private UiFeedback Feedback { get; set; } = default!;

    [Parameter, EditorRequired] public Guid RunId { get; set; }
    [Parameter, EditorRequired] public OutboxTable Table { get; set; } = default!;
    [Parameter] public bool Editable { get; set; }
    /// <summary>Raised after a change, so the page can refresh row counts.</summary>
    [Parameter] public EventCallback Changed { get; set; }

    private MudDataGrid<OutboxGridRow>? _grid;
    private OutboxSort? _sort;
    // The grid names a sorted column by an id of its own; these are the columns by the outbox's column names.
    private readonly Dictionary<string, TemplateColumn<OutboxGridRow>> _sortable = [];
    private bool _busy;
    // The page last shown and the query shape it answered, so "next page" can seek from its last row.
    private (int Page, string Shape, IReadOnlyList<OutboxGridRow> Rows)? _loaded;
    private OutboxGridRow? _editing, _original;
    private List<FilterInput> _filters = [new()];
    private IReadOnlyList<Core.Common.ValidationProblem> _problems = [];

    private async Task<GridData<OutboxGridRow>> LoadAsync(GridState<OutboxGridRow> state, CancellationToken cancel)
    {
        var size = state.PageSize;
        _sort = SortOf(state);
        var filters = _filters.Select(f => f.ToFilter()).OfType<OutboxFilter>().ToList();
        var shape = $"{size}|{_sort}|{string.Join(";", filters)}";
        // "Next page" seeks from the last row shown instead of skipping all rows before it (fast however deep).
        var after = _loaded is { } l && l.Shape == shape && state.Page == l.Page + 1 && l.Rows.Count == size && l.Rows[^1] is { IsNew: false } last
            ? new OutboxCursor(last.RowId, _sort?.Column is { } p && p != StagingLayout.RowId ? last.Texts.GetValueOrDefault(p) : null)
            : null;
        var query = new OutboxQuery(state.Page + 1, size, _sort?.Column, _sort?.Descending == true, filters, after);
        var result = GridPaging.Empty<OutboxGridRow>();
        try
        {
            await Feedback.RunAsync(async () =>
            {
                var page = await Outbox.GetPageAsync(await CurrentActor.GetAsync(), RunId, Table.Name, query, cancel);
                var rows = page.Rows.Select(OutboxGridRow.From).ToList();
                _loaded = (state.Page, shape, rows);
                result = new GridData<OutboxGridRow> { Items = rows, TotalItems = (int)Math.Min(page.Total, int.MaxValue) };
            });
        }
        catch (OperationCanceledException)
        {
            // A newer load replaced this one (page, sort or filter changed meanwhile); the grid shows that one.
        }
        return result;
    }

    private OutboxSort? SortOf(GridState<OutboxGridRow> state) =>
        state.SortDefinitions.FirstOrDefault() is { } sort && _sortable.FirstOrDefault(c => c.Value.PropertyName == sort.SortBy).Key is { } column
            ? new OutboxSort(column, sort.Descending)
            : null;

    private Task ReloadAsync() => _grid?.ReloadServerData() ?? Task.CompletedTask;

    // A changed filter starts again from page 1; edits reload the page shown.
    private Task SearchAsync() => _grid?.ReloadFromFirstPageAsync() ?? Task.CompletedTask;

    private Task ClearAsync()
    {
        _filters = [new()];
        return SearchAsync();
    }

    private void StartAdd()
    {
        _editing = new OutboxGridRow { Texts = Table.Columns.ToDictionary(c => c.Name, _ => (string?)null) };
        _original = null;
        _problems = [];
    }

    private void StartEdit(OutboxGridRow row)
    {
        _original = row;
        _editing = row.Copy();
        _problems = [];
    }

    private void CancelEdit()
    {
        _editing = _original = null;
        _problems = [];
    }

    private async Task SaveAsync(OutboxGridRow row)
    {
        _busy = true;
        // Blank input means empty; only what changed is sent for an edit, so the audit shows just that.
        var values = row.Texts.ToDictionary(p => p.Key, p => string.IsNullOrEmpty(p.Value) ? null : p.Value);
        if (!row.IsNew && _original is not null) values = values.Where(p => p.Value != _original.Texts.GetValueOrDefault(p.Key)).ToDictionary(p => p.Key, p => p.Value);
        var saved = false;
        await Feedback.RunAsync(async () =>
        {
            try
            {
                var actor = await CurrentActor.GetAsync();
                if (row.IsNew) await Outbox.AddAsync(actor, RunId, Table.Name, values);
                else if (values.Count > 0) await Outbox.UpdateAsync(actor, RunId, Table.Name, row.RowId, values);
                saved = true;
            }
            // Stay in the editor with the messages, which name the column at fault.
            catch (Core.Common.ValidationException e) { _problems = e.Problems; }
        });
        _busy = false;
        if (!saved) return;
        CancelEdit();
        await Changed.InvokeAsync();
        await ReloadAsync();
    }

    private async Task DeleteAsync(OutboxGridRow row)
    {
        if (!await Dialogs.ConfirmAsync($"Delete row {row.RowId} of {Table.Name}? The change is audited.", "Delete row", "Delete", "Keep")) return;
        if (await Feedback.RunAsync(async () => await Outbox.DeleteAsync(await CurrentActor.GetAsync(), RunId, Table.Name, row.RowId), "Row deleted."))
        {
            await Changed.InvokeAsync();
            await ReloadAsync();
        }
    }
}
