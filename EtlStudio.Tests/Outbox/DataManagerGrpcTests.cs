using EtlStudio.Protos.DataManager;
using EtlStudio.Tests.Grpc;
using EtlStudio.Tests.Infrastructure;
using Google.Protobuf;

namespace EtlStudio.Tests.Outbox;

/// <summary>etl.data.manager.V1.DataManager over real HTTP/2 against the running app, on an outbox staged in its database.</summary>
public sealed class DataManagerGrpcTests(AppProcess app) : IClassFixture<AppProcess>
{
    private const string Service = "/etl.data.manager.V1.DataManager/";

    private Task<StagedRun> StageAsync() => AppOutbox.StageAsync(app);

    private async Task<(RawGrpcClient.Reply Reply, T? Message)> CallAsync<T>(string method, IMessage request, MessageParser<T> parser, string user = "alice") where T : IMessage<T>
    {
        using var http = new HttpClient();
        var token = System.Text.Json.JsonDocument.Parse(await (await http.PostAsync($"{app.BaseUrl}/auth/dev-token",
            new FormUrlEncodedContent([new("user", user)]))).Content.ReadAsStringAsync()).RootElement.GetProperty("access_token").GetString();
        using var client = new RawGrpcClient(app.GrpcTarget);
        var reply = await client.SendAsync(Service + method, GrpcFrames.Of(request), token: token);
        return (reply, reply.GrpcStatus == "0" ? parser.ParseFrom(reply.Body.AsSpan(5)) : default);
    }

    [Fact]
    public async Task GetAll_lists_the_outbox_and_GetRecords_pages_sorts_and_filters_it()
    {
        var run = await StageAsync();
        var (_, all) = await CallAsync("GetAll", new GetAllRequest { TaskId = run.TaskId.ToString() }, GetAllResponse.Parser);
        var outbox = Assert.Single(all!.Outboxes);
        Assert.Equal((run.RunId.ToString(), "Prepared", "people", 30L), (outbox.RunId, outbox.State, outbox.Tables.Single().Name, outbox.Tables.Single().RowCount));

        var request = new GetRecordsRequest { RunId = run.RunId.ToString(), Table = "people", Page = 1, PageSize = 3, OrderBy = "age", Descending = true };
        request.Filters.Add(new Filter { Column = "age", Op = "between", Value = "20", ValueTo = "30" });
        request.Filters.Add(new Filter { Column = "name", Op = "notnull" });
        var (_, page) = await CallAsync("GetRecords", request, GetRecordsResponse.Parser);

        Assert.Equal(10, page!.TotalCount); // ages 20–30 are rows 2–12; row 10 has no name
        Assert.Equal(["30", "29", "27"], page.Records.Select(r => r.Values["age"]));
        Assert.Equal("Integer", page.Columns.Single(c => c.Name == "age").Type);
    }

    [Fact]
    public async Task Modifie_applies_changes_together_and_refuses_bad_values_naming_the_column()
    {
        var run = await StageAsync();
        var ok = new ModifieRequest { RunId = run.RunId.ToString(), Table = "people" };
        ok.Modifications.Add(new Modification { Kind = ModificationKind.Add, Values = { ["id"] = "500", ["name"] = "grpc", ["age"] = "33" } });
        ok.Modifications.Add(new Modification { Kind = ModificationKind.Edit, RowId = 1, Values = { ["name"] = "edited" }, SetNull = { "score" } });
        ok.Modifications.Add(new Modification { Kind = ModificationKind.Delete, RowId = 2 });
        var (_, done) = await CallAsync("Modifie", ok, ModifieResponse.Parser);
        Assert.Equal([31L], done!.AddedRowIds);

        var bad = new ModifieRequest { RunId = run.RunId.ToString(), Table = "people" };
        bad.Modifications.Add(new Modification { Kind = ModificationKind.Delete, RowId = 3 });
        bad.Modifications.Add(new Modification { Kind = ModificationKind.Edit, RowId = 4, Values = { ["age"] = "four" } });
        var (refused, _) = await CallAsync("Modifie", bad, ModifieResponse.Parser);
        Assert.Equal("3", refused.GrpcStatus);
        Assert.Contains("Column 'age' expects an integer", Uri.UnescapeDataString(refused.GrpcMessage!));

        var (denied, _) = await CallAsync("Modifie", ok, ModifieResponse.Parser, user: "dave");
        Assert.Equal("7", denied.GrpcStatus);

        var (_, page) = await CallAsync("GetRecords", new GetRecordsRequest { RunId = run.RunId.ToString(), Table = "people", PageSize = 100 }, GetRecordsResponse.Parser);
        Assert.Equal(30, page!.TotalCount); // 30 + 1 added - 1 deleted; the refused batch changed nothing
        Assert.Equal("edited", page.Records.Single(r => r.RowId == 1).Values["name"]);
        Assert.False(page.Records.Single(r => r.RowId == 1).Values.ContainsKey("score"));
        Assert.Contains(page.Records, r => r.RowId == 3);
    }
}
