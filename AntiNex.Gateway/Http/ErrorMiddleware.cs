using Akka.Actor;
using AntiNex.Gateway.Cluster;
using AntiNex.Gateway.Http.Inference;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace AntiNex.Gateway.Http;

/// <summary>Turns what handlers and Kestrel throw into the service's JSON errors: body too large 413, malformed 400,
/// the cluster unreachable or silent 503. Anything else is a 500 whose detail goes to the log, not to the client. The
/// routing's own empty answers (no such route 404, a wrong method 405) get the same JSON error.</summary>
internal sealed class ErrorMiddleware(RequestDelegate next, ILogger<ErrorMiddleware> log)
{
    /// <summary>A query parameter that does not bind (<c>?limit=abc</c>) is thrown, not answered as a bare 400 without a
    /// body, so it gets the JSON error naming the parameter like every other refusal.</summary>
    public static IServiceCollection ThrowBindingFailures(IServiceCollection services)
        => services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);

    public async Task InvokeAsync(HttpContext context)
    {
        try
        {
            await next(context);
            if (!context.Response.HasStarted && RoutingRefusal.Of(context) is (var refusal, var refusalCode))
                await ApiErrors.Result(context.Response.StatusCode, refusal, refusalCode).ExecuteAsync(context);
        }
        catch (Exception e) when (!context.Response.HasStarted && !context.RequestAborted.IsCancellationRequested)
        {
            var (status, message, code, issues) = e switch
            {
                HttpProblem p => (p.Status, p.Message, p.Code, p.Issues),
                InferenceInputException i => (StatusCodes.Status400BadRequest, i.Message, "bad-request", null),
                BadHttpRequestException b when BindingFailure.Of(b) is { } binding =>
                    (b.StatusCode, binding.ToString(), "bad-request", new[] { binding }),
                BadHttpRequestException b when b.StatusCode == StatusCodes.Status413PayloadTooLarge => (b.StatusCode,
                    $"request body too large: the limit is {context.RequestServices.GetRequiredService<HttpServeOptions>().MaxBodyBytes} bytes",
                    "too-large", null),
                BadHttpRequestException b => (b.StatusCode, b.Message, "bad-request", null),
                ModelUnavailableException or ClusterUnavailableException or TimeoutException or AskTimeoutException =>
                    (StatusCodes.Status503ServiceUnavailable, $"the cluster cannot serve this now: {e.Message}", "unavailable", (object?)null),
                _ => (StatusCodes.Status500InternalServerError, "internal error (see the server log)", "internal", null),
            };
            if (status == StatusCodes.Status500InternalServerError)
                log.LogError(e, "{Method} {Path} failed", context.Request.Method, context.Request.Path);
            context.Response.Clear();
            await ApiErrors.Result(status, message, code, issues).ExecuteAsync(context);
        }
    }
}
