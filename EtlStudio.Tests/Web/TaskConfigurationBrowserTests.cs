using EtlStudio.Protos.ExtDatamoduleManager;
using EtlStudio.Protos.ScriptManager;
using EtlStudio.Protos.TaskManager;
using EtlStudio.Tests.Grpc;
using EtlStudio.Tests.Infrastructure;
using Google.Protobuf;
using Microsoft.Playwright;
using Proto = EtlStudio.Protos.TaskManager;
using Task = System.Threading.Tasks.Task;

namespace EtlStudio.Tests.Web;

/// <summary>
/// A Task-Editor configures a task step by step in the studio and watches the missing list shrink
/// to release; the same task configured over gRPC has the same effective metadata.
/// </summary>
public sealed class TaskConfigurationBrowserTests(AppProcess app, Browser browser) : IClassFixture<AppProcess>, IClassFixture<Browser>
{
    private string _token = "";

    private async Task<TResponse> CallAsync<TResponse>(string path, IMessage request, MessageParser<TResponse> parser) where TResponse : IMessage<TResponse>
    {
        using var client = new RawGrpcClient(app.GrpcTarget);
        var reply = await client.SendAsync(path, GrpcFrames.Of(request), token: _token);
        Assert.True(reply.GrpcStatus == "0", $"{path}: {reply.GrpcStatus} {reply.GrpcMessage}");
        return parser.ParseFrom(reply.Body.AsSpan(5));
    }

    private async Task<string> ReleasedScriptAsync(Script script)
    {
        var id = (await CallAsync("/etl.script.manager.V1.ScriptManager/CreateScript", new CreateScriptRequest { Script = script }, CreateScriptResponse.Parser)).ScriptId;
        await CallAsync("/etl.script.manager.V1.ScriptManager/ReleaseScript", new ReleaseScriptRequest { ScriptId = id }, ReleaseScriptResponse.Parser);
        return id;
    }

    private static Task PickAsync(IPage page, string testId, string text) => Browser.PickAsync(page, testId, text);

    [Fact]
    public async Task A_task_configured_in_the_studio_is_released_and_matches_the_same_task_configured_over_gRPC()
    {
        using (var http = new HttpClient())
        {
            var response = await http.PostAsync($"{app.BaseUrl}/auth/dev-token", new FormUrlEncodedContent([new("user", "alice")]));
            _token = System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("access_token").GetString()!;
        }
        // Scripts and a source prepared over gRPC; alice owns the demo destination.
        var source = (await CallAsync("/etl.ext.datamodule.manager.V1.ExtDatamoduleManager/CreateConnection", new CreateConnectionRequest
        {
            Connection = new ConnectionInput { Name = "alice source", Type = ConnectionType.Postgresql, ConnectionString = "Host=localhost;Database=x;Username=u;Password=p" },
        }, CreateConnectionResponse.Parser)).Id;
        var destination = (await CallAsync("/etl.ext.datamodule.manager.V1.ExtDatamoduleManager/GetAllConnection", new GetAllConnectionRequest(), GetAllConnectionResponse.Parser))
            .Connections.Single(c => c.Name == "Customer analytics data module (demo)").Id;
        var extractor = await ReleasedScriptAsync(new Script { Name = "crm customers", Extractor = new(), Body = "SELECT id, age FROM customers" });
        var ageRule = await ReleasedScriptAsync(new Script { Name = "age 18-120", FieldRule = new FieldRule { FieldType = FieldType.Integer, Type = FieldRuleType.FillOutOfRange, MinValue = "18", MaxValue = "120" } });
        var bands = await ReleasedScriptAsync(new Script { Name = "age bands", AnonymizationRule = new AnonymizationRule { Type = AnonymizationRuleType.Generalization, Parameters = { ["width"] = "10" } } });
        var upload = await ReleasedScriptAsync(new Script { Name = "versioned tables", Uploader = new() });

        // In the studio.
        var page = await browser.SignInAsync(app, "alice", "/tasks");
        await Browser.OpenDialogAsync(page.GetByTestId("task-new"));
        await page.GetByTestId("task-name").FillAsync("churn");
        await page.GetByTestId("task-create").ClickAsync();
        var missing = page.GetByTestId("missing-list");
        await Assertions.Expect(missing).ToContainTextAsync("Add at least one table");

        await Browser.OpenDialogAsync(page.GetByTestId("table-add"));
        await page.GetByTestId("table-name").FillAsync("customers");
        await page.GetByTestId("table-key").FillAsync("id");
        await page.GetByTestId("table-columns").FillAsync("id Integer\nage Integer");
        await PickAsync(page, "source-script-0", "crm customers");
        await PickAsync(page, "source-connection-0", "alice source");
        await page.GetByTestId("table-save").ClickAsync();
        await Assertions.Expect(missing).Not.ToContainTextAsync("Add at least one table");
        await Assertions.Expect(missing).ToContainTextAsync("upload.destination");
        await Browser.ScreenshotAsync(page, "tasks-01-tables");

        await page.GetByRole(AriaRole.Tab, new() { Name = "2. Field rules" }).ClickAsync();
        await PickAsync(page, "range-rule-customers-age", "age 18-120");
        await page.GetByTestId("rules-save").ClickAsync();
        await page.GetByRole(AriaRole.Tab, new() { Name = "3. Anonymization" }).ClickAsync();
        await PickAsync(page, "anon-customers-age", "age bands");
        await page.Locator("label", new() { HasText = "quasi-identifier" }).First.ClickAsync(); // customers.id is first; age second
        await page.Locator("label", new() { HasText = "quasi-identifier" }).First.ClickAsync(); // undo on id
        await page.Locator("label", new() { HasText = "quasi-identifier" }).Nth(1).ClickAsync();
        await page.Locator("input[name=k]").FillAsync("2");
        await page.Locator("input[name=k]").PressAsync("Tab");
        await page.GetByTestId("anon-save").ClickAsync();
        await page.GetByRole(AriaRole.Tab, new() { Name = "5. Upload" }).ClickAsync();
        await PickAsync(page, "upload-script", "versioned tables");
        await PickAsync(page, "upload-destination", "Customer analytics data module (demo)");
        await page.GetByTestId("upload-save").ClickAsync();
        await Assertions.Expect(page.GetByTestId("missing-none")).ToBeVisibleAsync();
        await Browser.ScreenshotAsync(page, "tasks-02-ready");
        await Browser.OpenDialogAsync(page.GetByTestId("task-release"));
        await Browser.Dialog(page).GetByRole(AriaRole.Button, new() { Name = "Release" }).ClickAsync();
        await Assertions.Expect(page.GetByTestId("missing-none")).ToContainTextAsync("released");
        var uiTaskId = page.Url.Split('/').Last();

        // The same over gRPC.
        var grpcTaskId = (await CallAsync("/etl.task.manager.V1.EtlTaskManager/CreateTask", new CreateTaskRequest { Name = "churn over grpc" }, CreateTaskResponse.Parser)).Id;
        var table = new Table { Name = "customers", PrimaryKey = "id", MergeStrategy = Proto.MergeStrategy.SourcePriority };
        table.Columns.Add(new Column { Name = "id", Type = ColumnType.Integer });
        table.Columns.Add(new Column { Name = "age", Type = ColumnType.Integer });
        table.Extractions.Add(new Extraction { ScriptId = extractor, ConnectionId = source, Priority = 10 });
        await CallAsync("/etl.task.manager.V1.EtlTaskManager/UpdateExtractionScript", new UpdateExtractionScriptRequest { TaskId = grpcTaskId, Tables = { table } }, UpdateTaskResponse.Parser);
        await CallAsync("/etl.task.manager.V1.EtlTaskManager/UpdateFieldRules", new UpdateFieldRulesRequest
        {
            TaskId = grpcTaskId, Rules = { new Proto.FieldRuleBinding { Table = "customers", Column = "age", ScriptIds = { ageRule } } },
        }, UpdateTaskResponse.Parser);
        await CallAsync("/etl.task.manager.V1.EtlTaskManager/UpdateAnonymizationRules", new UpdateAnonymizationRulesRequest
        {
            TaskId = grpcTaskId, Privacy = new Privacy { K = 2 },
            Rules = { new Proto.AnonymizationBinding { Table = "customers", Column = "age", ScriptId = bands, QuasiIdentifier = true } },
        }, UpdateTaskResponse.Parser);
        await CallAsync("/etl.task.manager.V1.EtlTaskManager/UpdateUploadingScript", new UpdateUploadingScriptRequest
        {
            TaskId = grpcTaskId, Upload = new Upload { ScriptId = upload, DestinationConnectionId = destination },
        }, UpdateTaskResponse.Parser);
        await CallAsync("/etl.task.manager.V1.EtlTaskManager/Release", new ReleaseRequest { TaskId = grpcTaskId }, ReleaseResponse.Parser);

        var fromUi = (await CallAsync("/etl.task.manager.V1.EtlTaskManager/GetTask", new GetTaskRequest { Id = uiTaskId }, GetTaskResponse.Parser)).Task.MetadataJson;
        var fromGrpc = (await CallAsync("/etl.task.manager.V1.EtlTaskManager/GetTask", new GetTaskRequest { Id = grpcTaskId }, GetTaskResponse.Parser)).Task.MetadataJson;
        Assert.Equal(fromUi, fromGrpc.Replace("\"churn over grpc\"", "\"churn\""));
        Assert.Contains("\"etl:status\": \"Released\"", fromUi);
    }
}
