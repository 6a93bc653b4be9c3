package org.ddimspark.export;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class NpyWriterTest {

    @Test
    void headerIsWhatNumPyWrites() {
        // the headers numpy.lib.format.write_array(f, np.zeros(shape, '<f4'), version=(1, 0)) writes (NumPy 1.24)
        assertHeader("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 1, 28, 28), }" + " ".repeat(50), 2, 1, 28, 28);
        assertHeader("{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }" + " ".repeat(60), 3);
        assertHeader("{'descr': '<f4', 'fortran_order': False, 'shape': (10000, 1, 28, 28), }" + " ".repeat(46),
                10000, 1, 28, 28);
    }

    private static void assertHeader(String dict, int... shape) {
        byte[] header = NpyWriter.header(shape);
        assertArrayEquals(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0}, Arrays.copyOf(header, 8));
        int length = ByteBuffer.wrap(header, 8, 2).order(ByteOrder.LITTLE_ENDIAN).getShort();
        assertEquals(header.length - 10, length);
        assertEquals(0, header.length % 64);
        assertEquals(dict + "\n", new String(header, 10, length, StandardCharsets.US_ASCII));
    }

    @Test
    void valuesFollowLittleEndianInOrder() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (NpyWriter npy = new NpyWriter(out, 2, 2)) {
            npy.write(new float[] {1.5f, -0f});
            npy.write(new float[] {Float.MIN_VALUE, Float.NaN});
        }
        byte[] bytes = out.toByteArray();
        ByteBuffer data = ByteBuffer.wrap(bytes, 128, 16).order(ByteOrder.LITTLE_ENDIAN);
        for (float expected : new float[] {1.5f, -0f, Float.MIN_VALUE, Float.NaN}) {
            assertEquals(Float.floatToRawIntBits(expected), data.getInt());
        }
        assertEquals(128 + 16, bytes.length);
        assertEquals(0x00, bytes[128]);
        assertEquals((byte) 0x3F, bytes[131]); // 1.5f = 0x3FC00000, least significant byte first
    }

    @Test
    void aShortOrLongArrayIsAnError() throws Exception {
        NpyWriter shortArray = new NpyWriter(new ByteArrayOutputStream(), 2, 3);
        shortArray.write(new float[5]);
        assertEquals("wrote 5 of the 6 values of the shape", assertThrows(IllegalStateException.class, shortArray::close).getMessage());
        NpyWriter longArray = new NpyWriter(new ByteArrayOutputStream(), 2);
        assertThrows(IllegalStateException.class, () -> longArray.write(new float[3]));
    }

    @Test
    void csvQuotesOnlyWhatNeedsIt() {
        assertEquals("a,,1,\"x, y\",\"say \"\"hi\"\"\",\"two\nlines\"",
                CsvLine.of(Arrays.asList("a", null, 1, "x, y", "say \"hi\"", "two\nlines")));
        assertEquals("", CsvLine.of(List.of()));
    }
}
