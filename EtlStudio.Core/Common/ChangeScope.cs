using EtlStudio.Core.Persistence;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace EtlStudio.Core.Common;

/// <summary>
/// Runs one use case's change in one transaction: the work, its audit entry and its notifications
/// commit together or not at all. Translates constraint and concurrency failures into domain errors.
/// </summary>
public sealed class ChangeScope(IDbContextFactory<EtlStudioDbContext> contexts)
{
    public async Task<T> RunAsync<T>(Func<EtlStudioDbContext, Task<T>> work, CancellationToken ct = default)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        try
        {
            var result = await work(db);
            await db.SaveChangesAsync(ct);
            await tx.CommitAsync(ct);
            return result;
        }
        catch (DbUpdateConcurrencyException)
        {
            throw DomainException.Precondition("Someone else changed this item meanwhile. Reload it and try again.");
        }
        catch (DbUpdateException ex) when (ex.InnerException is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation } pg)
        {
            throw DomainException.AlreadyExists(DescribeDuplicate(pg.ConstraintName));
        }
        catch (PostgresException pg) when (pg.SqlState == PostgresErrorCodes.UniqueViolation)
        {
            throw DomainException.AlreadyExists(DescribeDuplicate(pg.ConstraintName));
        }
    }

    public Task RunAsync(Func<EtlStudioDbContext, Task> work, CancellationToken ct = default) =>
        RunAsync(async db => { await work(db); return true; }, ct);

    /// <summary>Reads in a context of its own, without a transaction.</summary>
    public async Task<T> ReadAsync<T>(Func<EtlStudioDbContext, Task<T>> read, CancellationToken ct = default)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        db.ChangeTracker.QueryTrackingBehavior = QueryTrackingBehavior.NoTracking;
        return await read(db);
    }

    private static string DescribeDuplicate(string? constraint) => constraint switch
    {
        "users_login_key" => "A user with this login already exists.",
        "role_assignments_user_role_key" => "The user already holds this role.",
        "connections_name_key" => "A connection with this name already exists.",
        "connection_grants_key" => "The user already has this access.",
        "access_requests_pending_key" => "An access request of this kind is already waiting for a decision.",
        "etl_tasks_name_key" => "A task with this name already exists.",
        _ => "This item already exists.",
    };
}
