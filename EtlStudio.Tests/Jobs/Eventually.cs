namespace EtlStudio.Tests.Jobs;

/// <summary>Waits for a condition the scheduler makes true in its own time; a bound, not a timing assertion.</summary>
public static class Eventually
{
    public static async Task TrueAsync(Func<Task<bool>> condition, string what, int seconds = 60)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"Still waiting after {seconds} s for: {what}");
            await Task.Delay(100);
        }
    }
}
