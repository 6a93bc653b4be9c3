package org.ddimspark.image;

/**
 * An input image that cannot enter model space. Its message is one line, {@code reason: detail}, where the
 * reason is a short fixed phrase (for example {@code truncated or corrupt image}) that jobs count by.
 */
public final class BadImageException extends Exception {

    private static final long serialVersionUID = 1L;

    private final String reason;

    /**
     * Creates the exception.
     *
     * @param reason the fixed phrase, such as {@link #EMPTY}
     * @param detail what was found, or null
     */
    public BadImageException(String reason, String detail) {
        super(detail == null || detail.isBlank() ? reason : reason + ": " + oneLine(detail));
        this.reason = reason;
    }

    /** The reason of a zero-byte file. */
    public static final String EMPTY = "empty file";
    /** The reason of bytes that no image reader recognises. */
    public static final String NOT_AN_IMAGE = "not an image";
    /** The reason of an image format this tool does not take. */
    public static final String UNSUPPORTED = "unsupported image format";
    /** The reason of an image whose header announces more pixels than allowed. */
    public static final String TOO_MANY_PIXELS = "too many pixels";
    /** The reason of an image that fails or warns while decoding. */
    public static final String CORRUPT = "truncated or corrupt image";
    /** The reason of an image of the wrong size under {@code --fit error}. */
    public static final String WRONG_SIZE = "wrong size";

    /** Returns the fixed phrase of this error, without its detail. */
    public String reason() {
        return reason;
    }

    private static String oneLine(String text) {
        return text.strip().replaceAll("\\s*\\R\\s*", " ");
    }
}
