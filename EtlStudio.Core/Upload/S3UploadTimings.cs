using System.Diagnostics;

namespace EtlStudio.Core.Upload;

/// <summary>
/// Where an S3 upload's time goes, summed over its parts: reading the outbox (binary COPY), encoding Parquet, and storing
/// the parts (sha256, PUT, record). When parts overlap, storing runs beside encoding, so the three add up to more than
/// the upload's wall time. Safe to add to from the encoding and the storing side at once.
/// </summary>
internal sealed class S3UploadTimings
{
    private long _read, _encode, _store;

    public TimeSpan Read => TimeSpan.FromTicks(Interlocked.Read(ref _read));
    public TimeSpan Encode => TimeSpan.FromTicks(Interlocked.Read(ref _encode));
    public TimeSpan Store => TimeSpan.FromTicks(Interlocked.Read(ref _store));

    public void AddRead(long since) => Interlocked.Add(ref _read, Stopwatch.GetElapsedTime(since).Ticks);
    public void AddEncode(long since) => Interlocked.Add(ref _encode, Stopwatch.GetElapsedTime(since).Ticks);
    public void AddStore(long since) => Interlocked.Add(ref _store, Stopwatch.GetElapsedTime(since).Ticks);
}
