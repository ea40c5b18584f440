using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Web;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace EtlStudio.Tests.Components;

/// <summary>Renders a component to HTML with Blazor's own <see cref="HtmlRenderer"/> (bUnit does not exist here).</summary>
public static class ComponentRenderer
{
    public static async Task<string> RenderAsync<T>(IDictionary<string, object?>? parameters = null) where T : IComponent
    {
        var services = new ServiceCollection().AddLogging().AddSingleton<ILoggerFactory>(NullLoggerFactory.Instance);
        services.AddRadzenComponents();
        await using var provider = services.BuildServiceProvider();
        await using var renderer = new HtmlRenderer(provider, NullLoggerFactory.Instance);
        return await renderer.Dispatcher.InvokeAsync(async () =>
        {
            var output = await renderer.RenderComponentAsync<T>(parameters is null ? ParameterView.Empty : ParameterView.FromDictionary(parameters));
            return output.ToHtmlString();
        });
    }
}
