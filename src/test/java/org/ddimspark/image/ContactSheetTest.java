package org.ddimspark.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.Color;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ContactSheetTest {

    @Test
    void laysOutScaledTilesWithLabelsRowByRow() throws IOException {
        List<ContactSheet.Tile> tiles = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            float[] flat = new float[7 * 7];
            java.util.Arrays.fill(flat, i % 2 == 0 ? 1f : -1f); // white and black tiles
            tiles.add(new ContactSheet.Tile(PngCodec.encode(flat, 0, new int[] {1, 7, 7}, new double[] {-1, 1}), "tile " + i));
        }
        tiles.add(new ContactSheet.Tile(null, "error"));
        BufferedImage sheet = PngCodec.decode(ContactSheet.render(tiles, 4, 28));
        // 7x7 images scaled by 4 to 28x28; 4 columns, 3 rows; 2-pixel gaps; 14-pixel labels
        assertEquals(4 * 30 + 2, sheet.getWidth());
        assertEquals(3 * (28 + 14 + 2) + 2, sheet.getHeight());
        assertEquals(Color.WHITE.getRGB(), sheet.getRGB(2 + 10, 2 + 10), "tile 0 is white");
        assertEquals(Color.BLACK.getRGB(), sheet.getRGB(2 + 30 + 10, 2 + 10), "tile 1 is black");
        int errorX = 2 + 2 * 30 + 10;
        int errorY = 2 + 2 * 44 + 10;
        assertEquals(Color.DARK_GRAY.getRGB(), sheet.getRGB(errorX, errorY), "the tile without an image is dark");
        int ink = 0;
        for (int x = 2; x < 30; x++) {
            for (int y = 30; y < 44; y++) {
                ink += sheet.getRGB(x, y) != Color.WHITE.getRGB() ? 1 : 0;
            }
        }
        assertTrue(ink > 10, "the label under tile 0 is drawn (" + ink + " pixels)");
    }

    @Test
    void needsAnImage() {
        assertThrows(IllegalArgumentException.class, () -> ContactSheet.render(List.of(), 8, 56));
    }
}
