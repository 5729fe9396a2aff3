namespace AntiNex.Tests.Infrastructure;

/// <summary>Waits for a state that another process or actor reaches shortly after the event a test observed (a queue consumer
/// publishes a result before it clears its bookkeeping): asserting at once would race it.</summary>
public static class Eventually
{
    public static async Task<T> Equal<T>(T expected, Func<Task<T>> actual, TimeSpan? within = null)
    {
        var deadline = DateTime.UtcNow + (within ?? TimeSpan.FromSeconds(10));
        while (true)
        {
            var value = await actual();
            if (EqualityComparer<T>.Default.Equals(value, expected) || DateTime.UtcNow > deadline)
            {
                Assert.Equal(expected, value);
                return value;
            }
            await Task.Delay(50);
        }
    }
}
