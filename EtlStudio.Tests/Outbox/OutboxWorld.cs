using EtlStudio.Core.Common;
using EtlStudio.Core.Connections;
using EtlStudio.Core.Domain;
using EtlStudio.Core.Scripts;
using EtlStudio.Tests.Infrastructure;

namespace EtlStudio.Tests.Outbox;

/// <summary>People a test needs and a destination connection; every call makes new ones, so tests never share data.</summary>
public sealed record OutboxWorld(Actor Manager, Actor DataManager, Actor Nobody, Guid Destination)
{
    public static async Task<OutboxWorld> CreateAsync(CoreServices core, string destinationSecret = "Host=localhost;Database=nowhere;Username=u;Password=p",
        ConnectionKind kind = ConnectionKind.PostgreSql)
    {
        // The manager registers the destination, so owns it (and may write to it).
        var manager = await core.CreateAsync("manager", UserRole.ProcessEtlTask, UserRole.CreateExtDatamodule, UserRole.ManageData);
        var dataManager = await core.CreateAsync("datamanager", UserRole.ManageData);
        var nobody = await core.CreateAsync("nobody");
        var destination = await core.Get<ConnectionService>().CreateAsync(manager,
            new ConnectionInput($"dm-{Guid.NewGuid():N}", kind, "a destination", "{}", destinationSecret, null));
        return new OutboxWorld(manager, dataManager, nobody, destination);
    }

    /// <summary>people(id PK, name, age with range rule 0–120, born, score, active): row i has id i, name "person i", age 18 + i % 60.</summary>
    public static StagedTable People(int count) => new("people",
        [
            new("id", FieldType.Integer), new("name", FieldType.String),
            new("age", FieldType.Integer, new FieldRuleSettings(FieldType.Integer, FieldRuleType.IgnoreOutOfRange, null, "0", "120")),
            new("born", FieldType.Date), new("score", FieldType.Double), new("active", FieldType.Boolean),
        ],
        "id",
        Enumerable.Range(1, count).Select(i => new object?[]
        {
            (long)i, i % 10 == 0 ? null : $"person {i:D3}", (long)(18 + i % 60), new DateOnly(1950 + i % 50, 1 + i % 12, 1 + i % 28), i * 1.5, i % 2 == 0,
        }).ToList());
}
