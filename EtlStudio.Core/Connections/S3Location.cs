using System.Data.Common;
using Amazon.Runtime;
using Amazon.S3;

namespace EtlStudio.Core.Connections;

/// <summary>
/// Where an S3 connection reads and writes: endpoint, region, bucket, key prefix, path-style addressing and the access
/// key pair. Stored as one encrypted connection string (<c>Endpoint=…;Region=…;Bucket=…;Prefix=…;PathStyle=true;AccessKey=…;SecretKey=…</c>),
/// like every connection's details; only <see cref="Hint"/> is ever shown.
/// </summary>
public sealed record S3Location(string Endpoint, string Region, string Bucket, string Prefix, bool PathStyle, string AccessKey, string SecretKey)
{
    public override string ToString() => $"S3Location({Endpoint}, {Bucket}/{Prefix}, ***)";

    /// <summary>The key of <paramref name="relative"/> under the prefix (the prefix without leading or trailing slashes).</summary>
    public string Key(string relative) => Prefix.Length == 0 ? relative : Prefix + "/" + relative;

    /// <summary>What people may see: everything but the key pair.</summary>
    public string Hint => $"{Endpoint.TrimEnd('/')} s3://{Bucket}/{Prefix}{(Prefix.Length > 0 ? "/" : "")} (region {Region}{(PathStyle ? ", path-style" : "")}, key •••)";

    public string Format()
    {
        var b = new DbConnectionStringBuilder
        {
            ["Endpoint"] = Endpoint, ["Region"] = Region, ["Bucket"] = Bucket, ["Prefix"] = Prefix, ["PathStyle"] = PathStyle ? "true" : "false",
            ["AccessKey"] = AccessKey, ["SecretKey"] = SecretKey,
        };
        return b.ConnectionString;
    }

    /// <summary>Reads stored or entered details; <paramref name="error"/> says what is missing or wrong (never echoing the secret).</summary>
    public static bool TryParse(string? text, out S3Location? location, out string? error)
    {
        location = null;
        error = null;
        var b = new DbConnectionStringBuilder();
        try { b.ConnectionString = text?.Trim() ?? ""; }
        catch (ArgumentException)
        {
            error = "S3 details must read Endpoint=…;Region=…;Bucket=…;Prefix=…;PathStyle=true|false;AccessKey=…;SecretKey=….";
            return false;
        }
        string Get(string key) => b.TryGetValue(key, out var v) ? Convert.ToString(v, System.Globalization.CultureInfo.InvariantCulture)?.Trim() ?? "" : "";
        var endpoint = Get("Endpoint");
        if (!Uri.TryCreate(endpoint, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
            error = "Endpoint must be an http or https URL (for example https://s3.eu-west-1.amazonaws.com).";
        else if (Get("Bucket") is var bucket && (bucket.Length is < 3 or > 63 || !bucket.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c is '-' or '.')))
            error = "Bucket must be a bucket name of 3 to 63 lower-case letters, digits, dots or hyphens.";
        else if (Get("AccessKey").Length == 0 || Get("SecretKey").Length == 0)
            error = "An access key and its secret are required.";
        else if (Get("PathStyle") is var ps && ps.Length > 0 && !bool.TryParse(ps, out _))
            error = "PathStyle must be true or false.";
        if (error is not null) return false;
        var prefix = Get("Prefix").Trim('/');
        if (prefix.Contains("//", StringComparison.Ordinal) || prefix.Split('/').Any(s => s is "." or ".."))
        {
            error = "Prefix must be a plain key prefix such as team/modules/customers.";
            return false;
        }
        location = new S3Location(endpoint, Get("Region") is { Length: > 0 } r ? r : "us-east-1", Get("Bucket"), prefix,
            Get("PathStyle") is { Length: > 0 } p && bool.Parse(p), Get("AccessKey"), Get("SecretKey"));
        return true;
    }

    public static S3Location Parse(string text) =>
        TryParse(text, out var location, out var error) ? location! : throw new Common.ValidationException("secret", error!);

    /// <summary>A client for this location. Checksums only where S3 requires them: S3-compatible servers differ in the newer trailing-checksum protocol.</summary>
    public AmazonS3Client CreateClient() => new(new BasicAWSCredentials(AccessKey, SecretKey), new AmazonS3Config
    {
        ServiceURL = Endpoint,
        AuthenticationRegion = Region,
        ForcePathStyle = PathStyle,
        RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED,
        ResponseChecksumValidation = ResponseChecksumValidation.WHEN_REQUIRED,
        Timeout = TimeSpan.FromMinutes(5),
    });
}
