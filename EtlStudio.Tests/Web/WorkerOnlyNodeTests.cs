using System.Net;
using System.Net.Sockets;
using EtlStudio.Tests.Infrastructure;

namespace EtlStudio.Tests.Web;

public sealed class WorkerOnlyNodeTests(WorkerOnlyNodeTests.WorkerNode node) : IClassFixture<WorkerOnlyNodeTests.WorkerNode>
{
    public sealed class WorkerNode : AppProcess
    {
        protected override IDictionary<string, string> Environment => new Dictionary<string, string> { ["Workers__Mode"] = "WorkerOnly" };
    }

    [Fact]
    public async Task A_worker_only_node_answers_its_probes_but_serves_neither_the_studio_nor_gRPC()
    {
        using var http = new HttpClient();
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync($"{node.BaseUrl}/health/ready")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync($"{node.BaseUrl}/health/live")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync($"{node.BaseUrl}/signin")).StatusCode);

        using var tcp = new TcpClient();
        await Assert.ThrowsAnyAsync<SocketException>(() => tcp.ConnectAsync(IPAddress.Loopback, node.GrpcPort));
    }
}
