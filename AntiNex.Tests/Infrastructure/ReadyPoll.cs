using System.Diagnostics;

namespace AntiNex.Tests.Infrastructure;

/// <summary>Waits for a child process's readiness endpoint to answer 200; fails at once, with its last output, if the process
/// exits first, and names the last answer when time runs out.</summary>
public static class ReadyPoll
{
    /// <param name="name">how messages name the process ("node 2", "serve").</param>
    /// <param name="tail">the process's last output lines.</param>
    public static async Task UntilReadyAsync(Process process, HttpClient http, string url, string name, Func<string> tail, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        var last = "";
        while (DateTime.UtcNow < deadline)
        {
            if (process.HasExited)
            {
                await process.WaitForExitAsync(); // the last output lines reach the log
                throw new InvalidOperationException($"{name} exited with {process.ExitCode}:\n{tail()}");
            }
            try
            {
                var response = await http.GetAsync(url);
                last = await response.Content.ReadAsStringAsync();
                if (response.IsSuccessStatusCode) return;
            }
            catch (Exception ex) { last = ex.Message; }
            await Task.Delay(250);
        }
        throw new TimeoutException($"{name} not ready in {timeout}: {last}\n{tail()}");
    }
}
