using EtlStudio.Core.Scripts;

namespace EtlStudio.Tests.Outbox;

/// <summary>A column of a staged outbox table, with the task's range rule for it if any.</summary>
public sealed record StagedColumn(string Name, FieldType Type, FieldRuleSettings? RangeRule = null);

/// <summary>
/// An outbox table to stage: its typed columns, primary key and rows (values in column order), or instead a SELECT that
/// yields <c>_row</c> and the columns (for large tables, generated inside PostgreSQL).
/// </summary>
public sealed record StagedTable(string Name, IReadOnlyList<StagedColumn> Columns, string? PrimaryKey, IReadOnlyList<object?[]> Rows, string? RowsSql = null);
