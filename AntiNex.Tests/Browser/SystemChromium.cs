using Microsoft.Playwright;

namespace AntiNex.Tests.Browser;

/// <summary>Debian's Chromium (apt: chromium), driven by Playwright's bundled node driver: no browser is downloaded.</summary>
internal static class SystemChromium
{
    public const string ExecutablePath = "/usr/bin/chromium";

    public static bool Available => File.Exists(ExecutablePath);

    public const string MissingReason = "no " + ExecutablePath + ": install Debian's chromium (deploy/test.sh does it through "
        + "deploy/lib/prereqs.sh ensure_chromium) to run the dashboard's browser tests";

    /// <summary>Headless, no sandbox (tests may run as root), and nothing that reaches beyond the machine.</summary>
    public static BrowserTypeLaunchOptions LaunchOptions => new()
    {
        ExecutablePath = ExecutablePath,
        Headless = true,
        Args =
        [
            "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--no-first-run", "--disable-quic",
        ],
    };
}
