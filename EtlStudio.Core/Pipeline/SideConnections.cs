using Npgsql;

namespace EtlStudio.Core.Pipeline;

/// <summary>
/// Connections of their own for the pieces of a step that do not depend on each other, so PostgreSQL works on them at
/// the same time (a step's statements otherwise keep one core busy). A piece reads only committed tables and writes
/// only scratch tables, in a transaction of its own that commits when it ends; the step's own transaction then takes
/// the results over, so the step still commits or fails as one. (The exceptions, the outbox step's making its tables
/// logged and keyed and the indexing of the rejects beside the transformations, are changes a retry finds made and
/// leaves.) Scratch a failed step leaves behind is named like every working table (<c>__</c>…) and goes with them.
/// The engine makes them once per run, tuned like the steps' own transactions (docs/architecture.md#side-connections).
/// </summary>
public sealed class SideConnections(NpgsqlDataSource dataSource, Func<NpgsqlConnection, CancellationToken, Task> prepare)
{
    /// <summary>
    /// Runs <paramref name="onMain"/> on the step's connection and every piece of <paramref name="pieces"/> on a side
    /// connection, all at once; when one fails the others are cancelled and its error is the one thrown. Without side
    /// connections (<paramref name="side"/> null: the caller's tables may not be committed) they run one after another
    /// on the step's connection. Null pieces are skipped.
    /// </summary>
    public static async Task RunAsync(NpgsqlConnection main, SideConnections? side, CancellationToken ct,
        Func<NpgsqlConnection, CancellationToken, Task>? onMain, params Func<NpgsqlConnection, CancellationToken, Task>?[] pieces)
    {
        var work = pieces.OfType<Func<NpgsqlConnection, CancellationToken, Task>>().ToList();
        if (side is null || work.Count == 0)
        {
            if (onMain is not null) await onMain(main, ct);
            foreach (var piece in work) await piece(main, ct);
            return;
        }
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        async Task Guard(Func<Task> run)
        {
            try { await run(); }
            catch { await cts.CancelAsync(); throw; }
        }
        var tasks = work.Select(piece => Guard(() => side.OnSideAsync(piece, cts.Token))).ToList();
        if (onMain is not null) tasks.Add(Guard(() => onMain(main, cts.Token)));
        try
        {
            await Task.WhenAll(tasks);
        }
        catch when (!ct.IsCancellationRequested)
        {
            // The first real failure, not the cancellations it caused in the others.
            var failure = tasks.Where(t => t.IsFaulted).Select(t => t.Exception!.InnerException!).FirstOrDefault(e => e is not OperationCanceledException);
            if (failure is not null) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(failure);
            throw;
        }
    }

    private async Task OnSideAsync(Func<NpgsqlConnection, CancellationToken, Task> piece, CancellationToken ct)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        await prepare(conn, ct);
        await piece(conn, ct);
        await tx.CommitAsync(ct);
    }
}
