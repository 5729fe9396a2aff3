using System.CommandLine;
using AntiNex.Gateway.Cluster;
using AntiNex.Persistence.Redis;
using StackExchange.Redis;

namespace AntiNex.Gateway.Commands;

/// <summary>`queue --redis HOST:PORT`: serves the original AntiNex queue API (webapp.train.requests /
/// webapp.predict.requests → webapp.results.&lt;request_id&gt; + channel webapp.results) until Ctrl-C.</summary>
internal static class QueueCommand
{
    public static Command Create()
    {
        var common = new ClusterCommandOptions("30m");
        var redisOption = new Option<string>("--redis") { Description = "Redis holding the queues (default $ANTINEX_REDIS, else 127.0.0.1:6379)" };
        var consumer = new Option<string>("--consumer")
        {
            Description =
            "Consumer name (names its processing lists; held by one running consumer at a time; a stopped consumer's lists are " +
            "put back by any other consumer once its name is free: at once after a stop, 15 s after a crash)",
            DefaultValueFactory = _ => Environment.MachineName
        };
        var parallel = new Option<int>("--parallel") { Description = "Requests handled at once per queue", DefaultValueFactory = _ => 4 };
        var predictTimeout = new Option<string>("--predict-timeout")
        {
            Description = "Deadline of each predict request (train requests: --timeout)", DefaultValueFactory = _ => "5m",
        };
        var maxAttempts = new Option<int>("--max-attempts")
        {
            Description = "Takes of a request before it goes to the dead-letter list <queue>.dead", DefaultValueFactory = _ => 3,
        };
        var maxItem = new Option<string>("--max-item")
        {
            Description = "Largest request taken; a larger one is answered bad-request without being read", DefaultValueFactory = _ => "64MB",
        };
        var command = new Command("queue",
            "Consume AntiNex JSON requests from the Redis lists webapp.train.requests / webapp.predict.requests and publish results.");
        foreach (var o in new Option[] { redisOption, consumer, parallel, predictTimeout, maxAttempts, maxItem }) command.Options.Add(o);
        common.AddTo(command);
        command.SetAction(async (p, ct) =>
        {
            // Options are checked before the cluster is joined: a typo costs no join.
            QueueOptions options;
            try
            {
                options = new QueueOptions
                {
                    Consumer = p.GetValue(consumer)!, Parallel = Math.Max(1, p.GetValue(parallel)),
                    TrainTimeout = common.TimeoutFrom(p),
                    PredictTimeout = Durations.Parse(p.GetValue(predictTimeout)!, "--predict-timeout"),
                    MaxAttempts = Math.Max(1, p.GetValue(maxAttempts)),
                    MaxItemBytes = ServeCommand.ParseBytes(p.GetValue(maxItem)!, "--max-item"),
                };
            }
            catch (Exception e) when (e is UsageException or ArgumentException)
            {
                Console.Error.WriteLine($"queue: {e.Message}");
                return ExitCodes.BadInput;
            }
            var connection = p.GetValue(redisOption) ?? Environment.GetEnvironmentVariable("ANTINEX_REDIS") ?? "127.0.0.1:6379";
            var redisOptions = RedisCredentials.Apply(connection); // password: ANTINEX_REDIS_PASSWORD(_FILE), never argv
            return await common.RunAsync(p, ct, async (client, _) =>
            {
                ConnectionMultiplexer redis;
                try { redis = await ConnectionMultiplexer.ConnectAsync(redisOptions); }
                catch (RedisConnectionException e)
                {
                    Console.Error.WriteLine($"queue: Redis at {RedisCredentials.Printable(redisOptions)} cannot be reached: {e.Message}");
                    return ExitCodes.Unreachable;
                }
                await using var connected = redis;
                Console.Error.WriteLine(
                    $"serving {QueueOptions.TrainQueue} and {QueueOptions.PredictQueue} on {RedisCredentials.Printable(redisOptions)} as " +
                    $"'{options.Consumer}' (Ctrl-C to stop)");
                // A consumer whose gateway the cluster downed cannot answer anything again: it stops taking requests as soon
                // as the gateway begins to stop (those it holds are put back, uncounted, when it starts again under its
                // name, or by any consumer once its name lapses) and exits non-zero for its supervisor.
                using var removed = CancellationTokenSource.CreateLinkedTokenSource(ct);
                client.WhenStopping(() =>
                {
                    try { removed.Cancel(); }
                    catch (ObjectDisposedException) { } // the consumer had stopped already
                });
                try
                {
                    await new QueueConsumer(client, redis, options, line => Console.Error.WriteLine(line)).RunAsync(removed.Token);
                }
                catch (OperationCanceledException) { }
                catch (ConsumerNameHeldException e)
                {
                    Console.Error.WriteLine($"queue: {e.Message}");
                    return ExitCodes.BadInput;
                }
                if (!ct.IsCancellationRequested && client.RemovalText is { } reason)
                {
                    Console.Error.WriteLine($"queue: {reason}; start it again to join");
                    return ExitCodes.Unreachable;
                }
                return ExitCodes.Ok;
            });
        });
        return command;
    }
}
