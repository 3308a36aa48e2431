package io.qwen4j;

/**
 * Bad input from a user: a corrupt file, a wrong shape, an out-of-range value, an unknown name.
 *
 * <p>Every typed "your input is wrong" error in qwen4j extends this class, so front ends (CLI, server)
 * can tell it apart from a bug: the CLI prints the message on one line and exits with status 2, the
 * server answers 400. The message must name the offending value.
 */
public class InvalidInputException extends RuntimeException {
    public InvalidInputException(String message) {
        super(message);
    }

    public InvalidInputException(String message, Throwable cause) {
        super(message, cause);
    }
}
