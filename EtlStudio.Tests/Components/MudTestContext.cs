using System.Security.Claims;
using Bunit;
using EtlStudio.Web.Auth;
using EtlStudio.Web.Components.Shared;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.AspNetCore.Components;
using MudBlazor;
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

    /// <summary>Signs <paramref name="login"/> in, with the user id claim the studio's <see cref="CurrentActor"/> reads.</summary>
    protected Guid SignIn(string login, Guid? id = null)
    {
        var userId = id ?? Guid.NewGuid();
        AddAuthorization().SetAuthorized(login).SetClaims(new Claim(EtlClaims.UserId, userId.ToString()));
        Services.AddScoped<CurrentActor>();
        return userId;
    }

    /// <summary>Shows <typeparamref name="TDialog"/> through MudBlazor's dialog service, as the pages do; find its markup in the provider returned.</summary>
    protected IRenderedComponent<MudDialogProvider> ShowDialog<TDialog>(Action<DialogParameters<TDialog>> parameters) where TDialog : IComponent
    {
        var provider = Render<MudDialogProvider>();
        var values = new DialogParameters<TDialog>();
        parameters(values);
        provider.InvokeAsync(() => Services.GetRequiredService<IDialogService>().ShowAsync<TDialog>(typeof(TDialog).Name, values));
        provider.WaitForElement(".mud-dialog");
        return provider;
    }

    public virtual Task InitializeAsync() => Task.CompletedTask;

    async Task IAsyncLifetime.DisposeAsync() => await base.DisposeAsync();
}
