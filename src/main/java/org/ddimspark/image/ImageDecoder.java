package org.ddimspark.image;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.Iterator;
import java.util.Locale;
import java.util.Set;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;

/**
 * Decodes PNG, JPEG, BMP and GIF files with the JDK's readers, defensively: the pixel count is read from the
 * header and checked before any pixel is decoded (so a decompression bomb costs nothing), and a reader's
 * warning (a JPEG that ends early, for instance) is an error, not a grey patch. Animated GIFs give their first
 * frame.
 */
public final class ImageDecoder {

    /** The default of {@code --max-pixels}: 2^24, a 4096 x 4096 image. */
    public static final long DEFAULT_MAX_PIXELS = 1L << 24;

    private static final Set<String> FORMATS = Set.of("png", "jpeg", "bmp", "gif");

    private final long maxPixels;

    /**
     * Creates a decoder.
     *
     * @param maxPixels the most pixels (width x height) an image may announce
     */
    public ImageDecoder(long maxPixels) {
        if (maxPixels < 1) {
            throw new IllegalArgumentException("--max-pixels must be at least 1, got " + maxPixels);
        }
        this.maxPixels = maxPixels;
    }

    /**
     * Decodes one file.
     *
     * @param bytes the file's bytes
     * @return the first image of the file
     * @throws BadImageException with the reason the file cannot be used
     */
    public BufferedImage decode(byte[] bytes) throws BadImageException {
        if (bytes == null || bytes.length == 0) {
            throw new BadImageException(BadImageException.EMPTY, null);
        }
        try (ImageInputStream in = ImageIO.createImageInputStream(new ByteArrayInputStream(bytes))) {
            Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
            if (!readers.hasNext()) {
                throw new BadImageException(BadImageException.NOT_AN_IMAGE, "no PNG, JPEG, BMP or GIF signature");
            }
            ImageReader reader = readers.next();
            try {
                String format = reader.getFormatName().toLowerCase(Locale.ROOT);
                if (!FORMATS.contains(format)) {
                    throw new BadImageException(BadImageException.UNSUPPORTED,
                            format.toUpperCase(Locale.ROOT) + " (takes PNG, JPEG, BMP, GIF)");
                }
                reader.setInput(in, true, true);
                long width = reader.getWidth(0);
                long height = reader.getHeight(0);
                if (width * height > maxPixels) {
                    throw new BadImageException(BadImageException.TOO_MANY_PIXELS, width + "x" + height + " = "
                            + width * height + ", above --max-pixels " + maxPixels);
                }
                String[] warning = new String[1];
                reader.addIIOReadWarningListener((source, message) -> {
                    if (warning[0] == null) {
                        warning[0] = message;
                    }
                });
                BufferedImage image = reader.read(0);
                if (warning[0] != null) {
                    throw new BadImageException(BadImageException.CORRUPT, warning[0]);
                }
                return image;
            } finally {
                reader.dispose();
            }
        } catch (BadImageException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            // the JDK's readers throw IIOException, EOFException, and for some corrupt data runtime exceptions
            throw new BadImageException(BadImageException.CORRUPT, innermost(e));
        }
    }

    private static String innermost(Throwable e) {
        String message = null;
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t.getMessage() != null && !t.getMessage().isBlank()) {
                message = t.getMessage();
            } else if (message == null) {
                message = t.getClass().getSimpleName();
            }
        }
        return message;
    }
}
