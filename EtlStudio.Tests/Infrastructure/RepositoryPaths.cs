namespace EtlStudio.Tests.Infrastructure;

/// <summary>Where the repository and the built web app are, found from the test assembly's folder.</summary>
public static class RepositoryPaths
{
    public static string Root { get; } = FindRoot();

    /// <summary>Release or Debug: the configuration the tests were built with, so the app matches.</summary>
    public static string Configuration { get; } = AppContext.BaseDirectory.Contains("/Release/", StringComparison.Ordinal) ? "Release" : "Debug";

    public static string WebProject => Path.Combine(Root, "EtlStudio.Web");
    public static string WebDll => Path.Combine(WebProject, "bin", Configuration, "net10.0", "EtlStudio.Web.dll");
    public static string Artifacts => Directory.CreateDirectory(Path.Combine(Root, "artifacts")).FullName;

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "EtlStudio.sln"))) return dir.FullName;
        throw new InvalidOperationException("EtlStudio.sln not found above " + AppContext.BaseDirectory);
    }
}
