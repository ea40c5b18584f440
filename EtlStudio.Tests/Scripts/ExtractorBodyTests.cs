using EtlStudio.Core.Scripts;

namespace EtlStudio.Tests.Scripts;

public sealed class ExtractorBodyTests
{
    [Theory]
    [InlineData("SELECT * FROM customers", ExtractorBodyForm.Sql)]
    [InlineData("  with x as (select 1) select * from x", ExtractorBodyForm.Sql)]
    [InlineData("GET /customers", ExtractorBodyForm.Http)]
    [InlineData("/customers", ExtractorBodyForm.Http)]
    [InlineData("{\"path\": \"/customers\"}", ExtractorBodyForm.Http)]
    public void A_body_is_SQL_unless_it_looks_like_a_request(string body, ExtractorBodyForm form) => Assert.Equal(form, ExtractorBody.Classify(body));

    [Fact]
    public void Both_HTTP_forms_read_into_the_same_request_description()
    {
        Assert.True(ExtractorBody.TryParseHttp("GET /customers?active=true", out var shortForm, out _));
        Assert.True(ExtractorBody.TryParseHttp("{\"path\": \"/customers?active=true\"}", out var jsonForm, out _));
        Assert.Equal(("GET", "/customers?active=true"), (shortForm!.Method, shortForm.Path));
        Assert.Equal(("GET", "/customers?active=true"), (jsonForm!.Method, jsonForm.Path));
    }
}
