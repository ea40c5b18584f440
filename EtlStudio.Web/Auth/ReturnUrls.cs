namespace EtlStudio.Web.Auth;

/// <summary>Where a sign-in may send the browser afterwards: a path of this app, nothing else.</summary>
public static class ReturnUrls
{
    /// <summary>
    /// The URL when it is a local path; otherwise <c>/</c>. Refuses absolute URLs, protocol-relative
    /// <c>//host</c> and <c>/\host</c> (browsers read both as another host), any backslash, and control
    /// characters (which made the redirect throw: a 500).
    /// </summary>
    public static string Safe(string? url)
    {
        if (string.IsNullOrEmpty(url) || url.Length > 2048 || url[0] != '/') return "/";
        if (url.Length > 1 && url[1] is '/' or '\\') return "/";
        foreach (var c in url)
            if (char.IsControl(c) || c == '\\') return "/";
        return url;
    }
}
