package org.ddimspark.storage;

import java.io.UncheckedIOException;
import java.io.IOException;

/**
 * A file system that cannot be used for a URI of the job: unreachable, refused credentials, a missing
 * bucket. Its message is one line that names the URI and the cause, and never holds a secret.
 */
public final class StorageException extends UncheckedIOException {

    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param message the one-line message
     * @param cause the file system's exception
     */
    public StorageException(String message, IOException cause) {
        super(message, cause);
    }
}
