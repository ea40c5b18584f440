using EtlStudio.Core.Common;
using EtlStudio.Core.Domain;
using EtlStudio.Core.Identity;
using EtlStudio.Core.Outbox;
using EtlStudio.Core.Privacy;
using EtlStudio.Core.Upload;
using EtlStudio.Web.Auth;
using EtlStudio.Web.Components.Shared;
using Microsoft.AspNetCore.Components;
using MudBlazor;

namespace EtlStudio.Web.Components.Pages.Outbox;

public partial class OutboxIndex
{
    [Inject] private OutboxService Outbox { get; set; } = default!;
    [Inject] private UploadService Uploads { get; set; } = default!;
    [Inject] private CurrentActor CurrentActor { get; set; } = default!;
    [Inject] private StudioDialogs Dialogs { get; set; } = default!;
    [Inject] private UiFeedback Feedback { get; set; } = default!;
    [Inject] private NavigationManager Navigation { get; set; } = default!;
    [Inject] private AccessPolicy Policy { get; set; } = default!;
    [Inject] private OutboxPrivacyService Privacy { get; set; } = default!;

    [Parameter] public Guid? RunId { get; set; }

    private sealed record Choice(Guid RunId, string Label);

    private List<Choice> _outboxes = [];
    private OutboxSummary? _selected;
    private UploadProgress? _progress;
    private OutboxPrivacy? _privacy;
    private bool _loading = true, _busy, _canProcess;
    private CancellationTokenSource? _polling;

    protected override async Task OnInitializedAsync() =>
        // Upload and discard are task-manager actions; a data manager only reviews and edits.
        _canProcess = await Policy.HasRoleAsync(await CurrentActor.GetAsync(), UserRole.ProcessEtlTask);

    protected override async Task OnParametersSetAsync()
    {
        await Feedback.RunAsync(async () =>
        {
            var page = await Outbox.ListAsync(await CurrentActor.GetAsync(), new PageRequest(1, PageRequest.MaxPageSize));
            _outboxes = page.Items.Select(o => new Choice(o.RunId, $"{o.TaskName} · run {o.RunNumber} · {o.State} · {o.CreatedAt.ToLocalTime():yyyy-MM-dd HH:mm}")).ToList();
            var id = RunId ?? page.Items.FirstOrDefault(o => o.State == RunState.Prepared)?.RunId ?? page.Items.FirstOrDefault()?.RunId;
            _selected = id is { } g ? await Outbox.GetAsync(await CurrentActor.GetAsync(), g) : null;
        });
        await LoadPrivacyAsync();
        _loading = false;
        await WatchAsync();
    }

    private Task SelectAsync(Guid? runId)
    {
        if (runId is { } id) Navigation.NavigateTo($"/outbox/{id}");
        return Task.CompletedTask;
    }

    private async Task RefreshAsync()
    {
        if (_selected is not null) await Feedback.RunAsync(async () => _selected = await Outbox.GetAsync(await CurrentActor.GetAsync(), _selected.RunId));
        await LoadPrivacyAsync();
    }

    /// <summary>The outbox's privacy as it stands: computed again after an edit, so the page shows what would block the upload.</summary>
    private async Task LoadPrivacyAsync()
    {
        _privacy = null;
        if (_selected is not null) await Feedback.RunAsync(async () => _privacy = await Privacy.GetAsync(await CurrentActor.GetAsync(), _selected.RunId));
    }

    private async Task UploadAsync()
    {
        if (_selected is null) return;
        var actor = await CurrentActor.GetAsync();
        UploadConfirmation? confirmation = null;
        if (!await Feedback.RunAsync(async () => confirmation = await Uploads.ConfirmationAsync(actor, _selected.RunId)) || confirmation is null) return;
        if (await Dialogs.OpenAsync<UploadConfirmDialog>($"Upload {_selected.TaskName} run {_selected.RunNumber}",
                new Dictionary<string, object?> { ["Confirmation"] = confirmation }, MaxWidth.Medium) is not string reason) return;
        _busy = true;
        if (await Feedback.RunAsync(async () => await Uploads.RequestAsync(actor, _selected.RunId, reason.Length == 0 ? null : reason), "Upload queued."))
        {
            await RefreshAsync();
            await WatchAsync();
        }
        _busy = false;
    }

    private async Task DiscardAsync()
    {
        if (_selected is null || !await Dialogs.ConfirmAsync($"Discard the outbox of {_selected.TaskName} run {_selected.RunNumber}? Its data is deleted and cannot be uploaded any more.",
                "Discard outbox", "Discard", "Keep")) return;
        _busy = true;
        if (await Feedback.RunAsync(async () => await Outbox.DiscardAsync(await CurrentActor.GetAsync(), _selected.RunId), "Outbox discarded."))
            Navigation.NavigateTo("/outbox", forceLoad: false, replace: true);
        _busy = false;
    }

    /// <summary>While the selected run uploads, its progress is polled every two seconds; the loop ends with the upload or the page.</summary>
    private async Task WatchAsync()
    {
        _polling?.Cancel();
        if (_selected is null) return;
        var actor = await CurrentActor.GetAsync();
        _progress = await Uploads.GetProgressAsync(actor, _selected.RunId);
        if (_progress.State != RunState.Uploading) return;
        var cts = _polling = new CancellationTokenSource();
        var runId = _selected.RunId;
        _ = Task.Run(async () =>
        {
            using var timer = new PeriodicTimer(TimeSpan.FromSeconds(2));
            try
            {
                while (await timer.WaitForNextTickAsync(cts.Token))
                {
                    var progress = await Uploads.GetProgressAsync(actor, runId, cts.Token);
                    await InvokeAsync(async () =>
                    {
                        _progress = progress;
                        if (progress.State != RunState.Uploading) { await cts.CancelAsync(); await RefreshAsync(); }
                        StateHasChanged();
                    });
                }
            }
            catch (OperationCanceledException) { } // the upload ended or the page closed
        });
    }

    private static Color Style(RunState state) => state switch
    {
        RunState.Prepared => Color.Info,
        RunState.Uploading => Color.Warning,
        RunState.Uploaded => Color.Success,
        _ => Color.Default,
    };

    public void Dispose() => _polling?.Cancel();
}
