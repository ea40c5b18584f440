using EtlStudio.Core.Common;
using EtlStudio.Core.Connections;
using EtlStudio.Core.Domain;
using EtlStudio.Core.Persistence;
using EtlStudio.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using S3Location = EtlStudio.Core.Connections.S3Location;

namespace EtlStudio.Tests.Connections;

/// <summary>Issue 31: S3-compatible storage as a kind of connection, against a real s3rver.</summary>
public sealed class S3ConnectionTests(CoreServices core, S3TestServer s3) : IClassFixture<CoreServices>, IClassFixture<S3TestServer>
{
    private ConnectionService Connections => core.Get<ConnectionService>();

    [Fact]
    public async Task An_S3_connection_is_stored_encrypted_shown_masked_and_its_test_lists_the_prefix()
    {
        var owner = await core.CreateAsync("owner", UserRole.CreateExtDatamodule);
        var reader = await core.CreateAsync("reader");
        var bucket = await s3.NewBucketAsync("lake/churn");
        using (var client = bucket.CreateClient())
        {
            foreach (var key in new[] { "lake/churn/current.json", "lake/churn/v1/croissant.json", "lake/other/ignored.json" })
                await client.PutObjectAsync(new Amazon.S3.Model.PutObjectRequest { BucketName = bucket.Bucket, Key = key, ContentBody = "{}" });
        }
        var id = await Connections.CreateAsync(owner, new ConnectionInput("lake", ConnectionKind.S3, "the ML lake", "{}", bucket.Format(), null));

        var view = await Connections.GetAsync(owner, id);
        Assert.Equal(ConnectionKind.S3, view.Kind);
        Assert.Equal($"{s3.Endpoint} s3://{bucket.Bucket}/lake/churn/ (region us-east-1, path-style, key •••)", view.SecretHint);
        await using (var db = await core.Get<IDbContextFactory<EtlStudioDbContext>>().CreateDbContextAsync())
            Assert.DoesNotContain(bucket.Bucket, (await db.Connections.FirstAsync(c => c.Id == id)).SecretCipher);

        var tested = await Connections.TestAsync(owner, id);
        Assert.True(tested.Success, tested.Message);
        Assert.Equal($"Connected: s3://{bucket.Bucket}/lake/churn holds 2 object(s): lake/churn/current.json, lake/churn/v1/croissant.json", tested.Message);
        // Testing needs access, as for any connection.
        var denied = await Assert.ThrowsAsync<DomainException>(() => Connections.TestAsync(reader, id));
        Assert.Equal(ErrorKind.PermissionDenied, denied.Kind);
    }

    [Fact]
    public async Task A_wrong_key_or_a_missing_bucket_fails_the_test_without_echoing_the_secret()
    {
        var owner = await core.CreateAsync("owner", UserRole.CreateExtDatamodule);
        var bucket = await s3.NewBucketAsync();
        var wrongKey = await Connections.CreateAsync(owner, new ConnectionInput("wrong-key", ConnectionKind.S3, null, null,
            (bucket with { AccessKey = "NOT-A-KEY-9931", SecretKey = "not-the-secret-9931" }).Format(), null));
        var noBucket = await Connections.CreateAsync(owner, new ConnectionInput("no-bucket", ConnectionKind.S3, null, null,
            (bucket with { Bucket = "no-such-bucket-here" }).Format(), null));

        var refused = await Connections.TestAsync(owner, wrongKey);
        var missing = await Connections.TestAsync(owner, noBucket);

        Assert.False(refused.Success);
        // s3rver checks the key id but not SigV4 signatures, so an unknown key is what it can refuse.
        Assert.Equal("S3 refused: InvalidAccessKeyId (HTTP 403)", refused.Message);
        Assert.False(missing.Success);
        Assert.Equal("S3 refused: NoSuchBucket (HTTP 404)", missing.Message);
    }

    [Theory]
    [InlineData("Endpoint=s3.example;Bucket=lake;AccessKey=a;SecretKey=b", "Endpoint must be an http or https URL")]
    [InlineData("Endpoint=https://s3.example;Bucket=Lake_Bucket;AccessKey=a;SecretKey=b", "Bucket must be a bucket name")]
    [InlineData("Endpoint=https://s3.example;Bucket=lake;AccessKey=a", "An access key and its secret are required.")]
    [InlineData("Endpoint=https://s3.example;Bucket=lake;AccessKey=a;SecretKey=b;PathStyle=maybe", "PathStyle must be true or false.")]
    [InlineData("Endpoint=https://s3.example;Bucket=lake;Prefix=a/../b;AccessKey=a;SecretKey=b", "Prefix must be a plain key prefix")]
    [InlineData("Endpoint=\"unclosed", "S3 details must read")]
    public async Task Malformed_S3_details_are_refused_with_what_is_wrong(string details, string problem)
    {
        var owner = await core.CreateAsync("owner", UserRole.CreateExtDatamodule);
        var e = await Assert.ThrowsAsync<ValidationException>(() => Connections.CreateAsync(owner, new ConnectionInput("bad-" + Guid.NewGuid().ToString("N")[..6], ConnectionKind.S3, null, null, details, null)));
        Assert.Contains(problem, Assert.Single(e.Problems).Message);
    }

    [Fact]
    public void The_stored_form_reads_back_as_the_same_location()
    {
        var location = new S3Location("https://s3.example:9000", "eu-west-1", "ml-lake", "a/b c;d", false, "AK=1;x", "s\"e;c=r'et");
        Assert.True(S3Location.TryParse(location.Format(), out var read, out var error), error);
        Assert.Equal(location, read);
    }
}
