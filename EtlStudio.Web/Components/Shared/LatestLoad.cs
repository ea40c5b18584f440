namespace EtlStudio.Web.Components.Shared;

/// <summary>
/// A grid's loads, of which only the newest counts. When someone changes a tab, a filter or the page while an earlier
/// load is still on its way, the earlier answer may arrive last; it must not replace the newer one (the grid would show
/// another tab's rows under the chosen tab). Each load is numbered as it starts and its answer is applied only if no
/// load started after it; <see cref="Loading"/> stays on until the newest one ends. A circuit runs its handlers one at
/// a time, so plain fields are enough.
/// </summary>
public sealed class LatestLoad
{
    private long _started;

    public bool Loading { get; private set; }

    /// <summary>Runs <paramref name="load"/>, then <paramref name="apply"/> with its answer unless a later load began meanwhile.</summary>
    public async Task RunAsync<T>(Func<Task<T>> load, Action<T> apply)
    {
        var mine = ++_started;
        Loading = true;
        try
        {
            var answer = await load();
            if (mine == _started) apply(answer);
        }
        finally
        {
            if (mine == _started) Loading = false;
        }
    }
}
