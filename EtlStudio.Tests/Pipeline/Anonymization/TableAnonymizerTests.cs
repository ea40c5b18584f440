using EtlStudio.Core.Pipeline;
using EtlStudio.Core.Pipeline.Anonymization;
using EtlStudio.Core.Scripts;
using EtlStudio.Core.Tasks;
using EtlStudio.Tests.Infrastructure;
using Npgsql;
using static EtlStudio.Tests.Pipeline.Anonymization.Columns;

namespace EtlStudio.Tests.Pipeline.Anonymization;

/// <summary>The step's contract with the engine: the caller owns the connection and may wrap the step in its transaction.</summary>
public sealed class TableAnonymizerTests(TestDatabase db) : IClassFixture<TestDatabase>
{
    private static IReadOnlyList<ResolvedColumn> Anatomized =>
        [Plain("zip", FieldType.String, qi: true), With("age", FieldType.Integer, new GeneralizationParameters(10, null, null, null), qi: true),
         With("disease", FieldType.String, new AnatomizationParameters(2), sensitive: true)];

    private const string Rows = "SELECT g, (g % 3)::text, 20 + g, CASE WHEN g % 2 = 0 THEN 'flu' ELSE 'd' || g % 5 END FROM generate_series(1, 60) g";

    [Fact]
    public async Task ApplyAsync_LeavesTheConnectionsSettingsAsItFoundThem()
    {
        var t = await StagedTable.CreateAsync(db.ConnectionString, Anatomized, Rows);
        await using var conn = await t.OpenAsync();
        await Execute(conn, "SET work_mem = '5MB'");

        await new TableAnonymizer().ApplyAsync(conn, t.Request(privacy: new PrivacySettings(2, null, null)), CancellationToken.None);

        await using var cmd = new NpgsqlCommand("SELECT current_setting('work_mem')", conn);
        Assert.Equal("5MB", await cmd.ExecuteScalarAsync());
    }

    [Fact]
    public async Task InsideTheCallersTransaction_ARollbackLeavesTheInputAsItWas()
    {
        var t = await StagedTable.CreateAsync(db.ConnectionString, Anatomized, Rows);
        var before = await t.DumpAsync();
        await using var conn = await t.OpenAsync();

        await using (var tx = await conn.BeginTransactionAsync())
        {
            var result = await new TableAnonymizer().ApplyAsync(conn, t.Request(privacy: new PrivacySettings(3, null, null)), CancellationToken.None);
            Assert.True(result.RowsRejected > 0);
            await tx.RollbackAsync();
        }

        Assert.Equal(before, await t.DumpAsync());
        Assert.Equal(0L, await t.ScalarAsync($"SELECT count(*) FROM {t.Rejects}"));
        Assert.Equal(0L, await t.ScalarAsync($"SELECT count(*) FROM pg_tables WHERE schemaname = '{t.Schema}' AND tablename <> ALL (ARRAY['people', '_rejects', '_outbox', '_alive'])"));
    }

    [Fact]
    public async Task NoScratchTablesRemain_AfterAnyMethod()
    {
        var t = await StagedTable.CreateAsync(db.ConnectionString,
            [.. Anatomized, With("income", FieldType.Integer, new PerturbationParameters(NoiseDistribution.Laplace, 2, null)), With("note", FieldType.String, new PermutationParameters(true))],
            "SELECT g, (g % 3)::text, 20 + g, CASE WHEN g % 2 = 0 THEN 'flu' ELSE 'd' || g % 5 END, g, 'n' || g FROM generate_series(1, 60) g");

        await t.AnonymizeAsync(privacy: new PrivacySettings(2, null, null));

        var tables = (await t.QueryAsync($"SELECT tablename FROM pg_tables WHERE schemaname = '{t.Schema}' ORDER BY 1")).Select(r => (string)r[0]!);
        Assert.Equal(["_alive", "_outbox", "_rejects", "people_qit", "people_st"], tables);
    }

    [Fact]
    public async Task The_engines_draw_and_choice_columns_stay_out_of_the_output_and_the_rejected_records()
    {
        // Perturbation, permutation and anatomization share one hash per row; their draws and each record's choices pass
        // through _anon_… columns of narrow scratch tables, which must reach neither the output nor the rejects.
        var t = await StagedTable.CreateAsync(db.ConnectionString,
            [.. Anatomized, With("income", FieldType.Integer, new PerturbationParameters(NoiseDistribution.Laplace, 2, null)), With("note", FieldType.String, new PermutationParameters(false))],
            "SELECT g, (g % 7)::text, 20 + g, CASE WHEN g % 3 = 0 THEN 'flu' ELSE 'd' || g % 4 END, g * 10, 'n' || g FROM generate_series(1, 90) g");
        var notes = (await t.ColumnAsync("note")).Order().ToList();

        var result = await t.AnonymizeAsync(privacy: new PrivacySettings(3, null, null));

        Assert.True(result.RowsRejected > 0);
        Assert.All(result.Tables.SelectMany(x => x.Columns), c => Assert.DoesNotContain("_anon", c.Name));
        var columns = await t.QueryAsync($"SELECT column_name FROM information_schema.columns WHERE table_schema = '{t.Schema}' AND column_name LIKE '\\_anon%'");
        Assert.Empty(columns);
        var records = (await t.QueryAsync($"SELECT record::text FROM {t.Rejects}")).Select(r => (string)r[0]!).ToList();
        Assert.NotEmpty(records);
        Assert.All(records, r => Assert.DoesNotContain("_anon", r));
        // Permuted among the records that survived: their notes are a subset of the original ones, each used once.
        var published = (await t.ColumnAsync("note", "people_qit")).ToList();
        Assert.Equal(published.Count, published.Distinct().Count());
        Assert.All(published, n => Assert.Contains(n, notes));
    }

    private static async Task Execute(NpgsqlConnection conn, string sql)
    {
        await using var cmd = new NpgsqlCommand(sql, conn);
        await cmd.ExecuteNonQueryAsync();
    }
}
