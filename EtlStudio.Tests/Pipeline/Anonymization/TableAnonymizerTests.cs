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

    [Fact]
    public async Task Numbers_dates_and_times_shuffled_in_memory_publish_what_a_shuffle_through_a_table_publishes()
    {
        // An anatomized table's fixed-width values are shuffled in this process and ride in the groups table; text, and
        // everything when the budget is 0, goes through a table of its own. One seed, one permutation: the same output.
        IReadOnlyList<ResolvedColumn> columns =
            [.. Anatomized, With("score", FieldType.Integer, new PermutationParameters(false)), With("ratio", FieldType.Double, new PermutationParameters(false)),
             With("ok", FieldType.Boolean, new PermutationParameters(false)), With("seen", FieldType.Date, new PermutationParameters(false)),
             With("at", FieldType.DateTime, new PermutationParameters(false)), With("note", FieldType.String, new PermutationParameters(false))];
        const string rows = """
            SELECT g, (g % 7)::text, 20 + g % 50, CASE WHEN g % 3 = 0 THEN 'flu' ELSE 'd' || g % 4 END,
                   CASE WHEN g % 11 = 0 THEN NULL ELSE g * 10 END, g / 7.0, g % 2 = 0, DATE '2020-01-01' + g,
                   CASE WHEN g % 13 = 0 THEN NULL ELSE TIMESTAMPTZ '2024-05-06 07:08:09.123456+00' + g * INTERVAL '1 minute 1.5 second' END, 'n' || g
            FROM generate_series(1, 3000) g
            """;
        var inMemory = await StagedTable.CreateAsync(db.ConnectionString, columns, rows);
        var throughTables = await StagedTable.CreateAsync(db.ConnectionString, columns, rows);
        var privacy = new PrivacySettings(2, null, null);
        var scores = (await inMemory.ColumnAsync("score")).ToList();

        var request = inMemory.Request(privacy: privacy);
        await using (var conn = await inMemory.OpenAsync())
        {
            var plan = AnonymizationPlan.For(request);
            var held = await HeldShuffle.TryAsync(conn, request, plan, null, TableAnonymizer.HeldValuesBudget, CancellationToken.None);
            Assert.Equal([0, 1, 2, 3, 4], held!.Indexes);
            Assert.Null(await HeldShuffle.TryAsync(conn, request, plan, null, 0, CancellationToken.None));
            await new TableAnonymizer().ApplyAsync(conn, request, CancellationToken.None);
        }
        await using (var conn = await throughTables.OpenAsync())
            await new TableAnonymizer(heldValuesBudget: 0).ApplyAsync(conn, throughTables.Request(privacy: privacy), CancellationToken.None);

        Assert.Equal(await throughTables.DumpAsync("people_qit"), await inMemory.DumpAsync("people_qit"));
        Assert.Equal(await throughTables.DumpAsync("people_st"), await inMemory.DumpAsync("people_st"));
        const string rejected = "SELECT coalesce(string_agg(record::text, '|' ORDER BY row_id), '') FROM ";
        Assert.Equal(await throughTables.ScalarTextAsync(rejected + throughTables.Rejects), await inMemory.ScalarTextAsync(rejected + inMemory.Rejects));
        // Shuffled, not kept in place, and each published score one of the original ones (row g had score 10g), NULLs among them.
        var published = await inMemory.QueryAsync($"SELECT _row, score FROM {inMemory.Table("people_qit")}");
        Assert.True(published.Count(r => Equals(r[1], (long)r[0]! * 10)) < published.Count / 10);
        Assert.Subset(scores.ToHashSet(), published.Select(r => r[1]).ToHashSet());
        Assert.Contains(published, r => r[1] is null);
    }

    [Fact]
    public async Task With_side_connections_the_phases_run_beside_each_other_and_publish_what_one_connection_publishes()
    {
        // The engine gives the step connections of its own (its tables are committed): the histogram beside the held
        // values, ST beside QIT, the ST's l and key on ST's connection. The output is the one a single connection writes.
        IReadOnlyList<ResolvedColumn> columns =
            [.. Anatomized, With("income", FieldType.Integer, new PerturbationParameters(NoiseDistribution.Laplace, 2, null)),
             With("score", FieldType.Integer, new PermutationParameters(false)), With("note", FieldType.String, new PermutationParameters(false))];
        const string rows = "SELECT g, (g % 7)::text, 20 + g % 50, CASE WHEN g % 3 = 0 THEN 'flu' ELSE 'd' || g % 4 END, g * 10, g, 'n' || g FROM generate_series(1, 2000) g";
        var beside = await StagedTable.CreateAsync(db.ConnectionString, columns, rows);
        var alone = await StagedTable.CreateAsync(db.ConnectionString, columns, rows);
        var privacy = new PrivacySettings(3, null, null);
        await using var source = NpgsqlDataSource.Create(db.ConnectionString);
        var side = new SideConnections(source, (_, _) => Task.CompletedTask);

        AnonymizationResult withSide, withoutSide;
        await using (var conn = await beside.OpenAsync())
            withSide = await new TableAnonymizer().ApplyAsync(conn, beside.Request(privacy: privacy), CancellationToken.None, side);
        await using (var conn = await alone.OpenAsync())
            withoutSide = await new TableAnonymizer().ApplyAsync(conn, alone.Request(privacy: privacy), CancellationToken.None);

        Assert.Equal(await alone.DumpAsync("people_qit"), await beside.DumpAsync("people_qit"));
        Assert.Equal(await alone.DumpAsync("people_st"), await beside.DumpAsync("people_st"));
        Assert.Equal(withoutSide.RowsRejected, withSide.RowsRejected);
        Assert.Equal(System.Text.Json.JsonSerializer.Serialize(withoutSide.Report), System.Text.Json.JsonSerializer.Serialize(withSide.Report));
        Assert.Equal("people_st_pkey", await beside.ScalarTextAsync(
            $"SELECT conname FROM pg_constraint WHERE conrelid = '{beside.Table("people_st")}'::regclass AND contype = 'p'"));
        Assert.Equal(0L, await beside.ScalarAsync($"SELECT count(*) FROM pg_tables WHERE schemaname = '{beside.Schema}' AND tablename LIKE '\\_\\_%'"));
    }

    private static async Task Execute(NpgsqlConnection conn, string sql)
    {
        await using var cmd = new NpgsqlCommand(sql, conn);
        await cmd.ExecuteNonQueryAsync();
    }
}
