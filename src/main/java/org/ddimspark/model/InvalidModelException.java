package org.ddimspark.model;

/** A model directory or card that cannot be used; the message is one line that names the file or field. */
public class InvalidModelException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param message what is wrong and where
     */
    public InvalidModelException(String message) {
        super(message);
    }

    /**
     * Creates the exception with a cause.
     *
     * @param message what is wrong and where
     * @param cause the cause
     */
    public InvalidModelException(String message, Throwable cause) {
        super(message, cause);
    }
}
