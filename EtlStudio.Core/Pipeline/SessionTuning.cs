using Npgsql;

namespace EtlStudio.Core.Pipeline;

/// <summary>
/// For one transaction: the sorts, hashes and index builds get the configured memory, and the planner is readier to
/// compute rows in parallel (the defaults assume hashing and conversions cost next to nothing, so a CPU-bound pass
/// over millions of rows stays on one core). The steps' transactions and the transformations' get it alike.
/// </summary>
internal static class SessionTuning
{
    /// <param name="workMemory">The memory per sort or hash, when not <see cref="PipelineOptions.WorkMemory"/>.</param>
    public static async Task ApplyAsync(NpgsqlConnection conn, NpgsqlTransaction? tx, PipelineOptions options, CancellationToken ct, string? workMemory = null)
    {
        await using var cmd = new NpgsqlCommand("""
            SELECT set_config('work_mem', @work, true), set_config('maintenance_work_mem', @maintenance, true),
                   set_config('parallel_setup_cost', '100', true), set_config('parallel_tuple_cost', '0.01', true),
                   -- Compiling these long statements costs more than it saves: they spend their time in functions, not in expressions.
                   set_config('jit', 'off', true)
            """, conn, tx);
        cmd.Parameters.AddWithValue("work", workMemory ?? options.WorkMemory);
        cmd.Parameters.AddWithValue("maintenance", options.MaintenanceMemory);
        await cmd.ExecuteNonQueryAsync(ct);
    }
}
