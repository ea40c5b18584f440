using EtlStudio.Web.Auth;

namespace EtlStudio.Tests.Auth;

public sealed class ReturnUrlsTests
{
    [Theory]
    [InlineData("/audit")]
    [InlineData("/runs/5f0c?tab=log")]
    public void A_local_path_is_kept(string url) => Assert.Equal(url, ReturnUrls.Safe(url));

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("https://evil.example/")]
    [InlineData("//evil.example/")]
    [InlineData("/\\evil.example/")]
    [InlineData("\\\\evil.example")]
    [InlineData("/audit\r\nSet-Cookie: x=y")]
    [InlineData("/\u0000")]
    [InlineData("/a\\b")]
    [InlineData("javascript:alert(1)")]
    public void Anything_else_is_the_home_page(string? url) => Assert.Equal("/", ReturnUrls.Safe(url));
}
