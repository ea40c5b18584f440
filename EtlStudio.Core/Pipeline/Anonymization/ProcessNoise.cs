using System.Buffers.Binary;
using EtlStudio.Core.Scripts;
using EtlStudio.Core.Tasks;

namespace EtlStudio.Core.Pipeline.Anonymization;

/// <summary>
/// A perturbation worked out in this process, for a table whose published rows it writes itself (<see cref="DealtQit"/>):
/// the very arithmetic of <see cref="ValueRewrite"/>'s expression, operation by operation in the same order, on the
/// same IEEE doubles and with the same C library's <c>log</c>, <c>sqrt</c> and <c>cos</c>, so that a record publishes
/// the same value whichever writes it (a test compares the two on edge values). PostgreSQL's checks come along: a
/// result out of its type's range fails as the query would. A date shift of a DateTime is not here (PostgreSQL adds
/// days in the session's time zone): such a table is written by the query.
/// </summary>
internal sealed class ProcessNoise
{
    /// <summary>Days from 4714-11-24 BC (PostgreSQL's first date) to 2000-01-01, and from 2000-01-01 to its end, 5874898-01-01.</summary>
    private const int FirstDate = -2_451_545, EndDate = 2_145_031_949;

    private readonly ResolvedColumn _column;
    private readonly PerturbationParameters _q;
    private readonly int[] _uniforms;
    private readonly object? _min, _max;

    private ProcessNoise(ResolvedColumn column, PerturbationParameters q, int[] uniforms)
    {
        (_column, _q, _uniforms) = (column, q, uniforms);
        (_min, _max) = ValueRewrite.Bounds(column);
    }

    /// <summary>
    /// The perturbation of <paramref name="c"/> in this process, with <paramref name="uniform"/> giving the index of a
    /// purpose's draw among the table's (<see cref="PublishedRows.UniformPurposes"/>); null when it is not a
    /// perturbation this process does.
    /// </summary>
    public static ProcessNoise? For(ResolvedColumn c, Func<string, int> uniform)
    {
        if (c.Anonymization?.Parameters is not PerturbationParameters q) return null;
        var purposes = ValueRewrite.NoisePurposes(c, q);
        var supported = c.Type == FieldType.Date
            ? purposes is ["shift"]
            : c.Type is FieldType.Integer or FieldType.Double && purposes is ["laplace"] or ["gauss1", "gauss2"];
        return supported ? new ProcessNoise(c, q, purposes.Select(p => uniform($"{c.Name}/{p}")).ToArray()) : null;
    }

    /// <summary>
    /// Writes the perturbed value of the record <paramref name="i"/> of a batch whose draws are <paramref name="u"/>
    /// (by purpose, then record), from its unperturbed value as PostgreSQL sends it (binary, without the length; empty for NULL).
    /// </summary>
    public void Write(BinaryCopyRows output, ReadOnlySpan<byte> value, bool isNull, double[][] u, int i)
    {
        if (isNull)
        {
            output.WriteNull();
            return;
        }
        switch (_column.Type)
        {
            case FieldType.Date:
                var day = BinaryPrimitives.ReadInt32BigEndian(value);
                output.WriteDays(Clamp(Shift(day, u[_uniforms[0]][i]), _min is DateOnly lo ? Days(lo) : null, _max is DateOnly hi ? Days(hi) : null));
                break;
            case FieldType.Integer:
                var n = BinaryPrimitives.ReadInt64BigEndian(value);
                output.Write(Clamp(ToBigint(Plus(n, Noise(u, i))), _min as long?, _max as long?));
                break;
            default:
                var d = BinaryPrimitives.ReadDoubleBigEndian(value);
                output.Write(Clamp(Plus(d, Noise(u, i)), _min as double?, _max as double?));
                break;
        }
    }

    /// <summary>The noise: <c>-b * sign(u - 0.5) * ln(1 - 2 * abs(u - 0.5))</c> (Laplace) or <c>b * sqrt(-2 * ln(u1)) * cos(2 * pi() * u2)</c> (Gaussian).</summary>
    private double Noise(double[][] u, int i)
    {
        var b = _q.Scale!.Value;
        if (_uniforms.Length == 1)
        {
            var x = u[_uniforms[0]][i];
            return Times(Times(-b, Math.Sign(x - 0.5)), Math.Log(1 - 2 * Math.Abs(x - 0.5)));
        }
        var (u1, u2) = (u[_uniforms[0]][i], u[_uniforms[1]][i]);
        return Times(Times(b, Math.Sqrt(Times(-2, Math.Log(u1)))), Math.Cos(Times(2 * Math.PI, u2)));
    }

    /// <summary><c>v + offset</c> with <c>offset = floor(u * (2 * d + 1))::int - d</c>; an infinite date stays as it is.</summary>
    private int Shift(int day, double u)
    {
        if (day is int.MaxValue or int.MinValue) return day;
        var d = _q.DateShiftDays!.Value;
        var offset = checked((int)Math.Floor(u * checked(2 * d + 1)) - d);
        var shifted = (long)day + offset;
        return shifted >= FirstDate && shifted < EndDate ? (int)shifted : throw OutOfRange("date");
    }

    private static int Days(DateOnly date) => date.DayNumber - BinaryCopyRows.PostgresEpochDay;

    /// <summary>float8 + float8 as PostgreSQL adds them: overflow from finite operands is an error.</summary>
    private double Plus(double a, double b)
    {
        var r = a + b;
        return double.IsInfinity(r) && !double.IsInfinity(a) && !double.IsInfinity(b) ? throw OutOfRange("double precision") : r;
    }

    private double Plus(long a, double b) => Plus((double)a, b);

    /// <summary>float8 * float8 as PostgreSQL multiplies them: overflow, and underflow to zero from non-zero operands, are errors.</summary>
    private double Times(double a, double b)
    {
        var r = a * b;
        if (double.IsInfinity(r) && !double.IsInfinity(a) && !double.IsInfinity(b)) throw OutOfRange("double precision");
        return r == 0 && a != 0 && b != 0 ? throw OutOfRange("double precision") : r;
    }

    /// <summary><c>round(x)::bigint</c>: to the nearest integer, halves to even (<c>rint</c>), within bigint's range.</summary>
    private long ToBigint(double x)
    {
        var r = Math.Round(x, MidpointRounding.ToEven);
        return !double.IsNaN(r) && r >= -9223372036854775808.0 && r < 9223372036854775808.0 ? (long)r : throw OutOfRange("bigint");
    }

    /// <summary>
    /// <c>least(max, greatest(min, x))</c> as PostgreSQL works them out: NaN orders above every number, and of equal
    /// values (0 and −0) the bound, the first argument, stays.
    /// </summary>
    private static double Clamp(double x, double? min, double? max)
    {
        if (min is { } lo && Order(x, lo) <= 0) x = lo;
        if (max is { } hi && Order(x, hi) >= 0) x = hi;
        return x;
    }

    private static int Order(double a, double b) => double.IsNaN(a) ? (double.IsNaN(b) ? 0 : 1) : double.IsNaN(b) ? -1 : a.CompareTo(b) switch { < 0 => -1, > 0 => 1, _ => 0 };

    private static long Clamp(long x, long? min, long? max) => Math.Min(max ?? long.MaxValue, Math.Max(min ?? long.MinValue, x));

    private static int Clamp(int x, int? min, int? max) => Math.Min(max ?? int.MaxValue, Math.Max(min ?? int.MinValue, x));

    private PipelineFailure OutOfRange(string type) =>
        new(PipelineStep.Anonymize, $"Column {_column.Name}: a perturbed value is out of range for type {type}.");
}
