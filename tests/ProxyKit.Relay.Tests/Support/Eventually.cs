namespace ProxyKit.Relay.Tests.Support;

/// <summary>Bounded polling for conditions other threads make true.</summary>
internal static class Eventually
{
    public static async Task TrueAsync(Func<bool> condition, string what, TimeSpan? timeout = null)
    {
        var limit = timeout ?? TimeSpan.FromSeconds(5);
        var deadline = DateTime.UtcNow + limit;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Still not true after {limit}: {what}");
            }

            await Task.Delay(10);
        }
    }
}
