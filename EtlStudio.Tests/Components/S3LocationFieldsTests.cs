using Bunit;
using EtlStudio.Core.Connections;
using EtlStudio.Web.Components.Pages.Connections;

namespace EtlStudio.Tests.Components;

/// <summary>Issue 31: the S3 part of the connection form — what people type (bound as typed) becomes the one stored value, the secret key never shown.</summary>
public sealed class S3LocationFieldsTests : MudTestContext
{
    [Fact]
    public void The_fields_entered_become_the_stored_S3_details_and_the_secret_key_is_a_password_field()
    {
        var model = new S3LocationFields.Model();
        var fields = Render<S3LocationFields>(p => p.Add(c => c.Value, model));
        fields.Find("input[data-testid=s3-endpoint]").Input("https://s3.example:9000");
        fields.Find("input[data-testid=s3-bucket]").Input("ml-lake");
        fields.Find("input[data-testid=s3-prefix]").Input("/modules/churn/");
        fields.Find("input[data-testid=s3-access-key]").Input("AKIA1");
        fields.Find("input[data-testid=s3-secret-key]").Input("s3cr;et");

        Assert.Equal("password", fields.Find("input[data-testid=s3-secret-key]").GetAttribute("type"));
        Assert.True(S3Location.TryParse(model.ToSecret(), out var stored, out var error), error);
        Assert.Equal(new S3Location("https://s3.example:9000", "us-east-1", "ml-lake", "modules/churn", true, "AKIA1", "s3cr;et"), stored);
    }

    [Fact]
    public void Nothing_entered_keeps_the_stored_details_on_edit() =>
        Assert.Null(new S3LocationFields.Model().ToSecret());
}
