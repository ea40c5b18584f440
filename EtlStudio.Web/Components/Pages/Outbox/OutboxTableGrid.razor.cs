using EtlStudio.Core.Outbox;
using EtlStudio.Core.Pipeline;
using EtlStudio.Web.Auth;
using EtlStudio.Web.Components.Shared;
using Microsoft.AspNetCore.Components;
using Radzen;
using Radzen.Blazor;

namespace EtlStudio.Web.Components.Pages.Outbox;

public partial class OutboxTableGrid
{
    [Inject] private OutboxService Outbox { get; set; } = default!;
    [Inject] private CurrentActor CurrentActor { get; set; } = default!;
    [Inject] private DialogService Dialogs { get; set; } = default!;
    [Inject] private UiFeedback Feedback { get; set; } = default!;

    [Parameter, EditorRequired] public Guid RunId { get; set; }
    [Parameter, EditorRequired] public OutboxTable Table { get; set; } = default!;
    [Parameter] public bool Editable { get; set; }
    /// <summary>Raised after a change, so the page can refresh row counts.</summary>
    [Parameter] public EventCallback Changed { get; set; }

    private RadzenDataGrid<OutboxGridRow>? _grid;
    // Null until the first load: the grid calls LoadData on its own only while it has no data.
    private List<OutboxGridRow>? _rows;
    private long _total;
    private bool _busy;
    private readonly LatestLoad _loads = new();
    private LoadDataArgs? _last;
    private (int Skip, string Shape)? _loaded;
    private OutboxGridRow? _editing, _original;
    private List<FilterInput> _filters = [new()];
    private IReadOnlyList<Core.Common.ValidationProblem> _problems = [];

    private async Task LoadAsync(LoadDataArgs args)
    {
        _last = args;
        var size = args.Top ?? 25;
        var sort = args.Sorts?.FirstOrDefault(s => s.SortOrder is not null);
        var filters = _filters.Select(f => f.ToFilter()).OfType<OutboxFilter>().ToList();
        var skip = args.Skip ?? 0;
        var shape = $"{size}|{sort?.Property}|{sort?.SortOrder}|{string.Join(";", filters)}";
        // "Next page" seeks from the last row shown instead of skipping all rows before it (fast however deep).
        var after = _loaded is { } l && l.Shape == shape && skip == l.Skip + size && _rows?.Count == size && _rows[^1] is { IsNew: false } last
            ? new OutboxCursor(last.RowId, sort?.Property is { } p && p != StagingLayout.RowId ? last.Texts.GetValueOrDefault(p) : null)
            : null;
        var query = new OutboxQuery(skip / size + 1, size, sort?.Property, sort?.SortOrder == SortOrder.Descending, filters, after);
        await Feedback.RunAsync(() => _loads.RunAsync(async () => await Outbox.GetPageAsync(await CurrentActor.GetAsync(), RunId, Table.Name, query), page =>
        {
            _rows = page.Rows.Select(OutboxGridRow.From).ToList();
            _total = page.Total;
            _loaded = (skip, shape);
        }));
        _editing = null;
    }

    private async Task SearchAsync()
    {
        if (_grid is not null) await _grid.FirstPage(true);
    }

    private async Task ClearAsync()
    {
        _filters = [new()];
        await SearchAsync();
    }

    private void StartAdd()
    {
        _editing = new OutboxGridRow { Texts = Table.Columns.ToDictionary(c => c.Name, _ => (string?)null) };
        (_rows ??= []).Insert(0, _editing);
        _problems = [];
    }

    private void StartEdit(OutboxGridRow row)
    {
        _original = row.Copy();
        _editing = row;
        _problems = [];
    }

    private async Task CancelAsync()
    {
        _problems = [];
        if (_last is not null) await LoadAsync(_last);
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
            // Stay in edit mode with the messages, which name the column at fault.
            catch (Core.Common.ValidationException e) { _problems = e.Problems; }
        });
        _busy = false;
        if (!saved) return;
        _problems = [];
        await Changed.InvokeAsync();
        if (_last is not null) await LoadAsync(_last);
    }

    private async Task DeleteAsync(OutboxGridRow row)
    {
        if (await Dialogs.Confirm($"Delete row {row.RowId} of {Table.Name}? The change is audited.", "Delete row",
                new ConfirmOptions { OkButtonText = "Delete", CancelButtonText = "Keep" }) != true) return;
        if (await Feedback.RunAsync(async () => await Outbox.DeleteAsync(await CurrentActor.GetAsync(), RunId, Table.Name, row.RowId), "Row deleted."))
        {
            await Changed.InvokeAsync();
            if (_last is not null) await LoadAsync(_last);
        }
    }
}
