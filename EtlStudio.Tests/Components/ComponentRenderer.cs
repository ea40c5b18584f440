using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Web;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Radzen;

namespace EtlStudio.Tests.Components;

/// <summary>Renders a component to HTML with Blazor's own <see cref="HtmlRenderer"/> (bUnit does not exist here).</summary>
public static class ComponentRenderer
{
    public static async Task<string> RenderAsync<T>(IDictionary<string, object?>? parameters = null) where T : IComponent
    {
        var services = new ServiceCollection().AddLogging().AddSingleton<ILoggerFactory>(NullLoggerFactory.Instance);
        services.AddRadzenComponents();
        services.AddSingleton<Microsoft.JSInterop.IJSRuntime, NoBrowser>();
        await using var provider = services.BuildServiceProvider();
        await using var renderer = new HtmlRenderer(provider, NullLoggerFactory.Instance);
        return await renderer.Dispatcher.InvokeAsync(async () =>
        {
            var output = await renderer.RenderComponentAsync<T>(parameters is null ? ParameterView.Empty : ParameterView.FromDictionary(parameters));
            return System.Net.WebUtility.HtmlDecode(output.ToHtmlString());
        });
    }
}

/// <summary>Static rendering has no browser to call, as on the server before a circuit exists: any call is a mistake.</summary>
internal sealed class NoBrowser : Microsoft.JSInterop.IJSRuntime
{
    public ValueTask<TValue> InvokeAsync<TValue>(string identifier, object?[]? args) =>
        throw new InvalidOperationException($"Static rendering cannot call JavaScript ({identifier}).");

    public ValueTask<TValue> InvokeAsync<TValue>(string identifier, CancellationToken cancellationToken, object?[]? args) =>
        throw new InvalidOperationException($"Static rendering cannot call JavaScript ({identifier}).");
}
