using Bunit;
using EtlStudio.Web.Components.Shared;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor.Services;

namespace EtlStudio.Tests.Components;

/// <summary>
/// A bUnit context with MudBlazor's services, its JavaScript answered loosely (no browser here), and the studio's
/// own UI services. MudBlazor's services are async-disposable only, so xunit disposes the context through
/// <see cref="IAsyncLifetime"/>.
/// </summary>
public abstract class MudTestContext : BunitContext, IAsyncLifetime
{
    protected MudTestContext()
    {
        JSInterop.Mode = JSRuntimeMode.Loose;
        Services.AddMudServices();
        Services.AddLogging();
        Services.AddScoped<UiFeedback>();
        Services.AddScoped<StudioDialogs>();
        Services.AddSingleton(TimeProvider.System);
    }

    public virtual Task InitializeAsync() => Task.CompletedTask;

    async Task IAsyncLifetime.DisposeAsync() => await base.DisposeAsync();
}
