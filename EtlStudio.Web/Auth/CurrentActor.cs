using EtlStudio.Core.Common;
using Microsoft.AspNetCore.Components.Authorization;

namespace EtlStudio.Web.Auth;

/// <summary>
/// The signed-in user of this Blazor circuit as a Core <see cref="Actor"/>. The client address is
/// captured from the first HTTP request, because a circuit has no HttpContext afterwards.
/// </summary>
public sealed class CurrentActor(AuthenticationStateProvider authentication)
{
    private readonly string _correlation = Guid.NewGuid().ToString("N")[..12];

    public string? ClientAddress { get; set; }

    public async Task<Actor> GetAsync()
    {
        var user = (await authentication.GetAuthenticationStateAsync()).User;
        var id = user.GetUserId() ?? throw DomainException.Unauthenticated();
        return new Actor(id, user.Identity?.Name ?? "?", ActorSource.Ui, ClientAddress, _correlation);
    }
}
