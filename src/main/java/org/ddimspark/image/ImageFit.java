package org.ddimspark.image;

import java.util.Locale;

/** How an image of another size is fitted to the model's H x W ({@code --fit}). */
public enum ImageFit {
    /** Only images of exactly the model's size are taken; others are error rows. */
    ERROR,
    /** The largest centred region of the model's aspect ratio, resized to fit (the default). */
    CENTER_CROP,
    /** The whole image, resized to fit inside with its aspect ratio kept, centred on black (pixel 0). */
    PAD,
    /** The whole image, resized to H x W whatever its aspect ratio. */
    STRETCH;

    /** Returns the command-line name: {@code error}, {@code center-crop}, {@code pad}, {@code stretch}. */
    public String id() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /**
     * Returns the fit of a command-line name.
     *
     * @param id the name
     * @return the fit
     * @throws IllegalArgumentException for an unknown name
     */
    public static ImageFit fromId(String id) {
        for (ImageFit fit : values()) {
            if (fit.id().equals(id)) {
                return fit;
            }
        }
        throw new IllegalArgumentException("--fit must be one of error, center-crop, pad, stretch; got '" + id + "'");
    }
}
