package org.ddimspark.image;

import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import javax.imageio.ImageIO;

/**
 * A labelled grid of images, as one PNG: each tile is an image scaled up by an integer factor with its
 * label underneath. A tile without an image (an error row) is drawn as a dark square. Where the JVM has no
 * fonts, the grid is drawn without labels rather than not at all.
 */
public final class ContactSheet {

    private static final int LABEL_HEIGHT = 14;
    private static final int GAP = 2;

    private ContactSheet() {}

    /**
     * One tile.
     *
     * @param png the image's PNG bytes, or null for a tile without an image
     * @param label the text under it
     */
    public record Tile(byte[] png, String label) {}

    /**
     * Renders the grid.
     *
     * @param tiles the tiles, row by row
     * @param columns tiles per row
     * @param minTileSize the smallest tile edge in pixels: small images are scaled up by a whole factor
     * @return the PNG bytes
     */
    public static byte[] render(List<Tile> tiles, int columns, int minTileSize) {
        if (tiles.isEmpty()) {
            throw new IllegalArgumentException("a contact sheet needs at least one image");
        }
        BufferedImage[] images = new BufferedImage[tiles.size()];
        int width = 1;
        int height = 1;
        for (int i = 0; i < images.length; i++) {
            if (tiles.get(i).png() != null) {
                try {
                    images[i] = PngCodec.decode(tiles.get(i).png());
                } catch (IOException e) {
                    images[i] = null; // drawn as a tile without an image
                }
                if (images[i] != null) {
                    width = Math.max(width, images[i].getWidth());
                    height = Math.max(height, images[i].getHeight());
                }
            }
        }
        int scale = Math.max(1, (minTileSize + Math.max(width, height) - 1) / Math.max(width, height));
        int tileWidth = width * scale;
        int tileHeight = height * scale;
        int cols = Math.min(columns, tiles.size());
        int rows = (tiles.size() + cols - 1) / cols;
        BufferedImage sheet = new BufferedImage(cols * (tileWidth + GAP) + GAP,
                rows * (tileHeight + LABEL_HEIGHT + GAP) + GAP, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = sheet.createGraphics();
        try {
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, sheet.getWidth(), sheet.getHeight());
            g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_NEAREST_NEIGHBOR);
            boolean labels = true;
            for (int i = 0; i < images.length; i++) {
                int x = GAP + (i % cols) * (tileWidth + GAP);
                int y = GAP + (i / cols) * (tileHeight + LABEL_HEIGHT + GAP);
                if (images[i] != null) {
                    g.drawImage(images[i], x, y, tileWidth, tileHeight, null);
                } else {
                    g.setColor(Color.DARK_GRAY);
                    g.fillRect(x, y, tileWidth, tileHeight);
                }
                if (labels) {
                    labels = drawLabel(g, tiles.get(i).label(), x, y + tileHeight, tileWidth);
                }
            }
        } finally {
            g.dispose();
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            ImageIO.write(sheet, "png", out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /** Draws a label centred under a tile, shortened to fit; returns false when the JVM cannot draw text. */
    private static boolean drawLabel(Graphics2D g, String label, int x, int y, int width) {
        try {
            g.setColor(Color.BLACK);
            g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 10));
            g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            FontMetrics metrics = g.getFontMetrics();
            String text = label == null ? "" : label;
            while (text.length() > 1 && metrics.stringWidth(text) > width) {
                text = text.substring(0, text.length() - 1);
            }
            g.drawString(text, x + (width - metrics.stringWidth(text)) / 2, y + LABEL_HEIGHT - 3);
            return true;
        } catch (RuntimeException | Error e) {
            return false; // headless JVM without fonts: keep the images
        }
    }
}
