using System.Text.Json;
using System.Text.Json.Serialization;
using EtlStudio.Core.Common;
using EtlStudio.Core.Domain;
using EtlStudio.Core.Outbox;
using EtlStudio.Core.Persistence;
using EtlStudio.Core.Pipeline;
using EtlStudio.Core.Scripts;
using EtlStudio.Core.Tasks;
using EtlStudio.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace EtlStudio.Tests.Outbox;

/// <summary>
/// Builds what the pipeline engine leaves behind, until the engine exists: a released task with its uploading and range-rule
/// scripts, a run in state Prepared whose definition is the resolved task, and the run's staging schema laid out as
/// <see cref="StagingLayout"/> says (typed tables with <c>_row</c>, rows copied in, the <c>_outbox</c> catalog).
/// </summary>
public static class OutboxStaging
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { Converters = { new JsonStringEnumConverter() } };

    public static Task<StagedRun> StageAsync(this CoreServices core, Actor requester, Guid destinationId, ConnectionKind destinationKind,
        IReadOnlyList<StagedTable> tables, UploadDescription? upload = null) =>
        StageAsync(core.ConnectionString, requester, destinationId, destinationKind, tables, upload);

    /// <summary>Stages into any EtlStudio database (for example the one a running app process uses).</summary>
    public static async Task<StagedRun> StageAsync(string connectionString, Actor requester, Guid destinationId, ConnectionKind destinationKind,
        IReadOnlyList<StagedTable> tables, UploadDescription? upload = null)
    {
        var now = DateTimeOffset.UtcNow;
        var taskId = Guid.NewGuid();
        var runId = Guid.NewGuid();
        var schema = StagingLayout.SchemaFor(runId);
        var description = upload ?? new UploadDescription();
        var uploadScript = NewScript(requester, taskId, ScriptKind.Uploader, "upload", JsonSerializer.Serialize(description, Json), "{}", now);
        var rules = new List<Script>();
        var configTables = new List<TableConfig>();
        var resolvedTables = new List<ResolvedTable>();
        foreach (var t in tables)
        {
            var columns = new List<ColumnConfig>();
            var resolved = new List<ResolvedColumn>();
            foreach (var c in t.Columns)
            {
                Script? rule = c.RangeRule is { } r
                    ? NewScript(requester, taskId, ScriptKind.FieldRule, $"{t.Name}.{c.Name} range", "", JsonSerializer.Serialize(new { fieldRule = r }, Json), now)
                    : null;
                if (rule is not null) rules.Add(rule);
                columns.Add(new ColumnConfig(c.Name, c.Type, rule is null ? [] : [rule.Id]));
                resolved.Add(new ResolvedColumn(c.Name, c.Type, null, rule is null ? null : new ResolvedFieldRule(rule.Id, c.RangeRule!), null, false, false));
            }
            configTables.Add(new TableConfig(t.Name, columns, t.PrimaryKey, MergeStrategy.SourcePriority, [], []));
            resolvedTables.Add(new ResolvedTable(t.Name, resolved, t.PrimaryKey, MergeStrategy.SourcePriority, [], []));
        }
        var configuration = new TaskConfiguration(configTables, [], new PrivacySettings(null, null, null), new UploadConfig(uploadScript.Id, destinationId));
        var resolvedTask = new ResolvedTask(taskId, "task " + taskId.ToString("N")[..8], now, resolvedTables, [], configuration.Privacy,
            new ResolvedUpload(uploadScript.Id, destinationId, destinationKind, description));

        await using (var db = new EtlStudioDbContext(new DbContextOptionsBuilder<EtlStudioDbContext>().UseNpgsql(connectionString).Options))
        {
            db.Tasks.Add(new EtlTask
            {
                Id = taskId, Name = resolvedTask.Name, Description = "staged by a test", Status = EtlTaskStatus.Released,
                ConfigurationJson = TaskConfigurationJson.Write(configuration), CreatedBy = requester.UserId, CreatedAt = now, UpdatedAt = now, ReleasedAt = now,
            });
            db.Scripts.Add(uploadScript);
            db.Scripts.AddRange(rules);
            var run = new PipelineRun
            {
                Id = runId, TaskId = taskId, Number = 1, SchemaName = schema, DefinitionJson = JsonSerializer.Serialize(resolvedTask, Json),
                RequestedBy = requester.UserId, CreatedAt = now,
            };
            // Prepared the way a worker gets it there: taken, then every step finished.
            run.Move(RunTransition.Begin, now);
            run.Move(RunTransition.Complete, now);
            db.Runs.Add(run);
            await db.SaveChangesAsync();
        }

        await using var conn = new NpgsqlConnection(connectionString);
        await conn.OpenAsync();
        await ExecAsync(conn, StagingLayout.CreateSql(schema));
        var ordinal = 0;
        foreach (var t in tables)
        {
            var definition = string.Join("", t.Columns.Select(c => $", {Sql.Ident(c.Name)} {Sql.TypeOf(c.Type)}"));
            await ExecAsync(conn, $"CREATE TABLE {Sql.Table(schema, t.Name)} ({Sql.Ident(StagingLayout.RowId)} bigint PRIMARY KEY{definition})");
            if (t.RowsSql is { } select) await ExecAsync(conn, $"INSERT INTO {Sql.Table(schema, t.Name)} {select}");
            var names = string.Join("", t.Columns.Select(c => ", " + Sql.Ident(c.Name)));
            await using (var copy = await conn.BeginBinaryImportAsync($"COPY {Sql.Table(schema, t.Name)} ({Sql.Ident(StagingLayout.RowId)}{names}) FROM STDIN (FORMAT BINARY)"))
            {
                long row = 0;
                foreach (var values in t.Rows)
                {
                    await copy.StartRowAsync();
                    await copy.WriteAsync(++row, NpgsqlTypes.NpgsqlDbType.Bigint);
                    for (var i = 0; i < t.Columns.Count; i++)
                    {
                        if (values[i] is null) await copy.WriteNullAsync();
                        else await copy.WriteAsync(values[i], OutboxValues.DbType(t.Columns[i].Type));
                    }
                }
                await copy.CompleteAsync();
            }
            await using var catalog = new NpgsqlCommand(
                $"INSERT INTO {Sql.Table(schema, StagingLayout.Catalog)} (table_name, ordinal, columns, primary_key, source_table) VALUES (@n, @o, @c::jsonb, @pk, @n)", conn);
            catalog.Parameters.AddWithValue("n", t.Name);
            catalog.Parameters.AddWithValue("o", ++ordinal);
            catalog.Parameters.AddWithValue("c", JsonSerializer.Serialize(t.Columns.Select(c => new { name = c.Name, type = c.Type.ToString() })));
            catalog.Parameters.Add(new NpgsqlParameter("pk", NpgsqlTypes.NpgsqlDbType.Text) { Value = (object?)t.PrimaryKey ?? DBNull.Value });
            await catalog.ExecuteNonQueryAsync();
            await ExecAsync(conn, $"ANALYZE {Sql.Table(schema, t.Name)}");
        }
        return new StagedRun(runId, taskId, schema);
    }

    private static Script NewScript(Actor owner, Guid taskId, ScriptKind kind, string name, string body, string settings, DateTimeOffset now) => new()
    {
        Id = Guid.NewGuid(), TaskId = null, Name = name + " " + taskId.ToString("N")[..6], Kind = kind, Body = body, SettingsJson = settings,
        Released = true, ReleasedAt = now, CreatedBy = owner.UserId, CreatedAt = now, UpdatedAt = now,
    };

    private static async Task ExecAsync(NpgsqlConnection conn, string sql)
    {
        await using var cmd = new NpgsqlCommand(sql, conn) { CommandTimeout = 600 };
        await cmd.ExecuteNonQueryAsync();
    }
}
