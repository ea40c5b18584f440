using System.Text.Json;
using EtlStudio.Core.Common;
using EtlStudio.Core.Scripts;
using EtlStudio.Core.Tasks;
using NpgsqlTypes;

namespace EtlStudio.Core.Pipeline.Anonymization;

/// <summary>
/// The row-local methods as SQL expressions over one column: generalization, value suppression and perturbation.
/// Each column has at most one method, so they all run in one pass over the table. NULL stays NULL throughout.
/// </summary>
internal static class ValueRewrite
{
    /// <summary>
    /// The expression that replaces <paramref name="c"/> and the column's type afterwards. <paramref name="uniform"/>
    /// gives the name of a per-row uniform number in (0, 1) for a purpose (computed once per row by the caller).
    /// </summary>
    public static (string Sql, FieldType Type) For(ResolvedColumn c, SqlParameters p, Func<string, string> uniform)
    {
        var v = Sql.Ident(c.Name);
        return c.Anonymization!.Parameters switch
        {
            GeneralizationParameters g => Generalize(c, v, g, p),
            SuppressionParameters s => (c.Type == FieldType.String && s.Replacement is not null
                ? $"CASE WHEN {v} IS NULL THEN NULL ELSE {p.Add(s.Replacement, NpgsqlDbType.Text)} END"
                : $"NULL::{Sql.TypeOf(c.Type)}", c.Type),
            PerturbationParameters q => (Perturb(c, v, q, p, uniform), c.Type),
            _ => throw new ArgumentOutOfRangeException(nameof(c), c.Anonymization.Method, "Not a row-local method."),
        };
    }

    private static (string, FieldType) Generalize(ResolvedColumn c, string v, GeneralizationParameters g, SqlParameters p)
    {
        if (g.Width is { } width && c.Type is FieldType.Integer or FieldType.Double)
        {
            // numeric arithmetic so that width 0.1 gives [0.3,0.4), not 0.30000000000000004.
            var w = p.Add(width, NpgsqlDbType.Double) + "::numeric";
            var lo = $"(floor({v}::numeric / {w}) * {w})";
            if (c.Type == FieldType.Integer && width == Math.Floor(width))
            {
                // Floored by an exact integer division: numeric division rounds a quotient of 18 digits to a whole number.
                var floored = $"((div({v}::numeric, {w}) - CASE WHEN mod({v}::numeric, {w}) < 0 THEN 1 ELSE 0 END) * {w})";
                var exact = $"trim_scale({floored})::text || '-' || trim_scale({floored} + {w} - 1)::text";
                if (width > 1e15) return ($"CASE WHEN {v} IS NULL THEN NULL ELSE {exact} END", FieldType.String);
                // The same buckets in bigint arithmetic, which every pass of the step computes for the quasi-identifiers
                // more cheaply than numeric, floored for negatives too (37 with width 10 is 30-39, -1 is -10--1); numeric
                // where a bound would overflow, within a width of the smallest or largest bigint.
                var wi = p.Add((long)width, NpgsqlDbType.Bigint);
                var low = $"({v} - (({v} % {wi}) + {wi}) % {wi})";
                return ($"CASE WHEN {v} IS NULL THEN NULL WHEN {v} < {p.Add(long.MinValue + (long)width, NpgsqlDbType.Bigint)} "
                    + $"OR {v} > {p.Add(long.MaxValue - ((long)width - 1), NpgsqlDbType.Bigint)} THEN {exact} "
                    + $"ELSE {low}::text || '-' || ({low} + ({wi} - 1))::text END", FieldType.String);
            }
            // Doubles (and fractional widths) as half-open intervals: 37.5 with width 10 is [30,40).
            return ($"CASE WHEN {v} IS NULL THEN NULL WHEN {v} IN ('Infinity'::float8, '-Infinity'::float8, 'NaN'::float8) THEN {v}::text "
                + $"ELSE '[' || trim_scale({lo})::text || ',' || trim_scale({lo} + {w})::text || ')' END", FieldType.String);
        }
        if (g.Truncate is { } t && c.Type is FieldType.Date or FieldType.DateTime)
        {
            var unit = p.Add(t.ToString().ToLowerInvariant(), NpgsqlDbType.Text);
            // DateTime truncates in UTC so the result does not depend on the session's time zone.
            return (c.Type == FieldType.Date ? $"date_trunc({unit}, {v}::timestamp)::date" : $"date_trunc({unit}, {v}, 'UTC')", c.Type);
        }
        if (g.PrefixLength is { } n && c.Type == FieldType.String)
        {
            var k = p.Add(n, NpgsqlDbType.Integer);
            return ($"left({v}, {k}) || repeat('*', greatest(length({v}) - {k}, 0))", FieldType.String);
        }
        if (g.Groups is { } groups)
        {
            // Keys match the value's PostgreSQL text form (37, 37.5, 2024-05-17, true); unmapped values become *.
            var map = p.Add(JsonSerializer.Serialize(groups), NpgsqlDbType.Jsonb);
            return ($"CASE WHEN {v} IS NULL THEN NULL ELSE coalesce({map} ->> {v}::text, '*') END", FieldType.String);
        }
        throw DomainException.Precondition($"Column {c.Name}: its generalization does not fit a {c.Type} column.");
    }

    private static string Perturb(ResolvedColumn c, string v, PerturbationParameters q, SqlParameters p, Func<string, string> uniform)
    {
        string U(string purpose) => uniform($"{c.Name}/{purpose}");
        string shifted;
        switch (NoisePurposes(c, q))
        {
            case ["shift"]:
                // A whole number of days, uniform in [-days, days].
                var d = p.Add(q.DateShiftDays!.Value, NpgsqlDbType.Integer);
                var offset = $"(floor({U("shift")} * (2 * {d} + 1))::int - {d})";
                shifted = c.Type == FieldType.Date ? $"({v} + {offset})" : $"({v} + make_interval(days => {offset}))";
                break;
            case [var first, ..]:
                var b = p.Add(q.Scale!.Value, NpgsqlDbType.Double);
                var noise = first == "laplace"
                    // Inverse CDF of Laplace(0, b) with u uniform in (-1/2, 1/2).
                    ? $"(-{b} * sign({U("laplace")} - 0.5) * ln(1 - 2 * abs({U("laplace")} - 0.5)))"
                    // Box–Muller: N(0, b²) from two independent uniforms.
                    : $"({b} * sqrt(-2 * ln({U("gauss1")})) * cos(2 * pi() * {U("gauss2")}))";
                shifted = c.Type == FieldType.Integer ? $"round({v}::float8 + {noise})::bigint" : $"({v} + {noise})";
                break;
            default:
                throw DomainException.Precondition($"Column {c.Name}: its perturbation does not fit a {c.Type} column.");
        }

        // Kept inside the range rule's bounds, so perturbed data still passes the column's own rule; NULL stays NULL
        // (greatest and least pass over it to the bound).
        var (min, max) = Bounds(c);
        if (min is null && max is null) return shifted;
        if (min is not null) shifted = $"greatest({p.Add(min, TypeOf(c.Type))}, {shifted})";
        if (max is not null) shifted = $"least({p.Add(max, TypeOf(c.Type))}, {shifted})";
        return $"CASE WHEN {v} IS NULL THEN NULL ELSE {shifted} END";
    }

    /// <summary>
    /// What the perturbation of <paramref name="c"/> draws a uniform number for, in order: <c>shift</c> (a date's
    /// days), <c>laplace</c>, or <c>gauss1</c> and <c>gauss2</c>; none when it does not fit the column's type.
    /// </summary>
    internal static string[] NoisePurposes(ResolvedColumn c, PerturbationParameters q) =>
        q.DateShiftDays is not null && c.Type is FieldType.Date or FieldType.DateTime ? ["shift"]
        : q is { Distribution: { } dist, Scale: not null } && c.Type is FieldType.Integer or FieldType.Double
            ? dist == NoiseDistribution.Laplace ? ["laplace"] : ["gauss1", "gauss2"]
            : [];

    /// <summary>The bounds of the column's range rule that a perturbed value is kept within, typed (a DateTime's as UTC); null where none.</summary>
    internal static (object? Min, object? Max) Bounds(ResolvedColumn c)
    {
        var bounds = c.RangeRule?.Settings;
        return (Bound(c.Type, bounds?.MinValue), Bound(c.Type, bounds?.MaxValue));
    }

    private static object? Bound(FieldType type, string? text) =>
        text is not null && ScriptValidator.TryConvert(type, text.Trim(), out var value)
            ? value is DateTimeOffset dto ? dto.ToUniversalTime() : value
            : null;

    private static NpgsqlDbType TypeOf(FieldType t) => t switch
    {
        FieldType.Integer => NpgsqlDbType.Bigint,
        FieldType.Double => NpgsqlDbType.Double,
        FieldType.Date => NpgsqlDbType.Date,
        _ => NpgsqlDbType.TimestampTz,
    };
}
