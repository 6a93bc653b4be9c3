package org.ddimspark.export;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * Streams a little-endian float32 array in NumPy's {@code .npy} format, version 1.0: the magic string, the
 * header dictionary padded with spaces to a multiple of 64 bytes exactly as {@code numpy.save} pads it (so the
 * files are byte for byte those NumPy writes), then the values in C order. The shape is
 * fixed up front, and the writer checks on {@link #close()} that exactly that many values arrived, so a
 * partial file is never left looking whole.
 */
public final class NpyWriter implements AutoCloseable {

    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0};

    private static final int ALIGN = 64;
    private static final int GROWTH_AXIS_DIGITS = 21;

    private final OutputStream out;
    private final long expected;
    private long written;

    /**
     * Writes the header and returns a writer for the values.
     *
     * @param out where the file goes; closed by {@link #close()}
     * @param shape the array's shape, for example [N, C, H, W]
     * @throws IOException when the stream fails
     */
    public NpyWriter(OutputStream out, int... shape) throws IOException {
        this.out = out;
        this.expected = Arrays.stream(shape).asLongStream().reduce(1L, (a, b) -> a * b);
        out.write(header(shape));
    }

    /**
     * Returns the header of a float32 array: magic, version 1.0, length, dictionary and padding.
     *
     * @param shape the array's shape
     * @return the header, a multiple of 64 bytes long
     */
    public static byte[] header(int... shape) {
        String dims = Arrays.stream(shape).mapToObj(Integer::toString).collect(Collectors.joining(", "));
        if (shape.length == 1) {
            dims += ",";
        }
        String dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (" + dims + "), }";
        // as NumPy writes it: room for the first axis to grow to 21 digits, then spaces to a 64-byte boundary
        if (shape.length > 0) {
            dict += " ".repeat(Math.max(0, GROWTH_AXIS_DIGITS - Integer.toString(shape[0]).length()));
        }
        int padding = ALIGN - (MAGIC.length + 2 + dict.length() + 1) % ALIGN;
        String text = dict + " ".repeat(padding) + "\n";
        if (text.length() > 0xFFFF) {
            throw new IllegalArgumentException("shape too long for an .npy 1.0 header");
        }
        ByteBuffer header = ByteBuffer.allocate(MAGIC.length + 2 + text.length()).order(ByteOrder.LITTLE_ENDIAN);
        header.put(MAGIC).putShort((short) text.length()).put(text.getBytes(StandardCharsets.US_ASCII));
        return header.array();
    }

    /**
     * Appends values.
     *
     * @param values the values, in C order after those written before
     * @throws IOException when the stream fails
     * @throws IllegalStateException when more values arrive than the shape holds
     */
    public void write(float[] values) throws IOException {
        if (written + values.length > expected) {
            throw new IllegalStateException("more than the " + expected + " values of the shape");
        }
        ByteBuffer bytes = ByteBuffer.allocate(4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        bytes.asFloatBuffer().put(values);
        out.write(bytes.array());
        written += values.length;
    }

    /**
     * Closes the stream.
     *
     * @throws IOException when the stream fails
     * @throws IllegalStateException when fewer values were written than the shape holds
     */
    @Override
    public void close() throws IOException {
        out.close();
        if (written != expected) {
            throw new IllegalStateException("wrote " + written + " of the " + expected + " values of the shape");
        }
    }
}
