using EtlStudio.Web.Components.Shared;

namespace EtlStudio.Tests.Web;

/// <summary>
/// A grid's answers arriving out of order: a CI run once showed the approvals grid empty under "My requests" because
/// the answer to the first tab, asked for as the page opened, came back after the answer to the tab then chosen.
/// </summary>
public sealed class LatestLoadTests
{
    [Fact]
    public async Task An_answer_that_arrives_after_a_later_load_began_is_dropped_and_loading_ends_with_the_newest()
    {
        var loads = new LatestLoad();
        var shown = new List<string>();
        var first = new TaskCompletionSource<string>();
        var second = new TaskCompletionSource<string>();

        var a = loads.RunAsync(() => first.Task, shown.Add);
        var b = loads.RunAsync(() => second.Task, shown.Add);
        Assert.True(loads.Loading);

        second.SetResult("My requests");
        await b;
        Assert.False(loads.Loading);
        first.SetResult("Awaiting my decision");
        await a;

        Assert.Equal(["My requests"], shown);
        Assert.False(loads.Loading);
    }

    [Fact]
    public async Task While_the_newest_load_is_on_its_way_an_older_one_ending_does_not_end_loading()
    {
        var loads = new LatestLoad();
        var shown = new List<int>();
        var first = new TaskCompletionSource<int>();
        var second = new TaskCompletionSource<int>();

        var a = loads.RunAsync(() => first.Task, shown.Add);
        var b = loads.RunAsync(() => second.Task, shown.Add);
        first.SetResult(1);
        await a;
        Assert.True(loads.Loading);
        Assert.Empty(shown);

        second.SetResult(2);
        await b;
        Assert.Equal([2], shown);
        Assert.False(loads.Loading);
    }

    [Fact]
    public async Task A_failing_newest_load_ends_loading_and_its_error_reaches_the_page()
    {
        var loads = new LatestLoad();
        var shown = new List<int>();
        await Assert.ThrowsAsync<InvalidOperationException>(() => loads.RunAsync<int>(() => throw new InvalidOperationException("refused"), shown.Add));
        Assert.False(loads.Loading);
        await loads.RunAsync(() => Task.FromResult(3), shown.Add);
        Assert.Equal([3], shown);
    }
}
