using EtlStudio.Core;
using EtlStudio.Core.Persistence;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace EtlStudio.Tests.Infrastructure;

/// <summary>
/// The Core application layer wired as the app wires it, over a fresh, migrated database of its own.
/// Use as an xunit class fixture.
/// </summary>
public class CoreServices : IAsyncLifetime
{
    private readonly TestDatabase _database = new();
    private ServiceProvider? _provider;

    /// <summary>The database as the app sees it: the runtime role.</summary>
    public string ConnectionString => _database.RuntimeConnectionString;
    /// <summary>The database as its owner, who may do anything (tampering tests).</summary>
    public string OwnerConnectionString => _database.ConnectionString;
    public IServiceProvider Services => _provider ?? throw new InvalidOperationException("Not initialised.");

    public T Get<T>() where T : notnull => Services.GetRequiredService<T>();

    protected virtual void Configure(IServiceCollection services) { }

    /// <summary>What the database holds before this version's migrations run (an older installation's data).</summary>
    protected virtual Task BeforeMigrationsAsync(string ownerConnectionString) => Task.CompletedTask;

    public virtual async Task InitializeAsync()
    {
        await _database.InitializeAsync();
        await BeforeMigrationsAsync(_database.ConnectionString);
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(_database.AppSettings())
            .Build();
        var services = new ServiceCollection();
        services.AddLogging(b => b.SetMinimumLevel(LogLevel.Warning));
        services.AddSingleton<IConfiguration>(configuration);
        services.AddEtlStudioCore(configuration);
        Configure(services);
        _provider = services.BuildServiceProvider();
        await Get<DatabaseMigrator>().MigrateAsync();
    }

    public virtual async Task DisposeAsync()
    {
        if (_provider is not null) await _provider.DisposeAsync();
        await _database.DisposeAsync();
    }
}
