using AntiNex.Models;
using Microsoft.AspNetCore.Http;

namespace AntiNex.Gateway.Http;

/// <summary>HTTP status of a model's refusal, by its stable code.</summary>
public static class ReplyStatus
{
    public static int Of(ModelFailed f) => f.Code switch
    {
        "bad-request" => StatusCodes.Status400BadRequest,
        "not-trained" => StatusCodes.Status404NotFound,
        "forbidden" => StatusCodes.Status403Forbidden,
        // The cluster silent (a large predict's piece got no answer in time) or unable to serve now: 503, as the error
        // middleware answers an unreachable or silent cluster.
        "busy" or "persistence" or "timeout" or "unavailable" => StatusCodes.Status503ServiceUnavailable,
        "cancelled" => StatusCodes.Status409Conflict,
        "training-failed" => StatusCodes.Status422UnprocessableEntity,
        "too-large" => StatusCodes.Status413PayloadTooLarge,
        _ => StatusCodes.Status500InternalServerError,
    };

    public static HttpProblem Problem(object reply) => reply is ModelFailed f
        ? new HttpProblem(Of(f), f.Message, f.Code, f.Issues.Count == 0 ? null : f.Issues)
        : new HttpProblem(StatusCodes.Status500InternalServerError, $"unexpected reply {reply.GetType().Name}", "internal");
}
