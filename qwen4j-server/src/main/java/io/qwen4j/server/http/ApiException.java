package io.qwen4j.server.http;

/**
 * An error answered in OpenAI's shape, {@code {"error": {"message", "type", "param", "code"}}}, with its
 * HTTP status. Handlers throw it; {@link Endpoint} writes it. Never carries a stack trace to the client.
 */
public final class ApiException extends RuntimeException {

    private final int status;
    private final String type;
    private final String param;
    private final String code;
    private final int retryAfterSeconds;

    public ApiException(int status, String type, String code, String param, String message, int retryAfterSeconds) {
        super(message);
        this.status = status;
        this.type = type;
        this.code = code;
        this.param = param;
        this.retryAfterSeconds = retryAfterSeconds;
    }

    public static ApiException badRequest(String param, String message) {
        return new ApiException(400, "invalid_request_error", "invalid_value", param, message, 0);
    }

    public static ApiException wrongType(String param, String expected, String got) {
        return new ApiException(400, "invalid_request_error", "invalid_type", param,
                "'" + param + "' must be " + expected + ", got " + got, 0);
    }

    public static ApiException notFound(String message) {
        return new ApiException(404, "invalid_request_error", "not_found", null, message, 0);
    }

    public static ApiException modelNotFound(String model) {
        return new ApiException(404, "invalid_request_error", "model_not_found", "model",
                "The model '" + model + "' does not exist", 0);
    }

    public static ApiException unauthorized() {
        return new ApiException(401, "authentication_error", "invalid_api_key", null,
                "Invalid or missing API key: send 'Authorization: Bearer KEY'", 0);
    }

    public static ApiException tooLarge(long limit) {
        return new ApiException(413, "invalid_request_error", "request_too_large", null,
                "request body exceeds the limit of " + limit + " bytes", 0);
    }

    public static ApiException methodNotAllowed(String method, String path) {
        return new ApiException(405, "invalid_request_error", "method_not_allowed", null,
                method + " is not allowed on " + path, 0);
    }

    public static ApiException queueFull(String message) {
        return new ApiException(429, "rate_limit_error", "queue_full", null, message, 1);
    }

    public static ApiException unavailable(String message) {
        return new ApiException(503, "service_unavailable", "unavailable", null, message, 2);
    }

    public static ApiException internal() {
        return new ApiException(500, "server_error", "internal_error", null,
                "internal server error (logged on the server)", 0);
    }

    public int status() {
        return status;
    }

    public String type() {
        return type;
    }

    public String param() {
        return param;
    }

    public String code() {
        return code;
    }

    /** Seconds for the Retry-After header; 0 = none. */
    public int retryAfterSeconds() {
        return retryAfterSeconds;
    }
}
