package org.ddimspark.spark;

import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.ddimspark.image.BadImageException;
import org.ddimspark.image.ImageDecoder;
import org.ddimspark.image.ModelSpace;
import org.ddimspark.image.PngCodec;
import org.ddimspark.model.Denoiser;
import org.ddimspark.model.ModelCard;
import org.ddimspark.sampling.BatchResult;
import org.ddimspark.sampling.Inverter;
import org.ddimspark.sampling.Sampler;

/**
 * Turns a batch of input files into inversion rows: decode and fit each image into model space, invert the
 * batch, and with {@code --reconstruct} sample each latent back and measure it against its input. A file
 * that cannot be used becomes an error row at once; the rest of the batch is unaffected.
 */
final class InvertRows {

    private final InvertJobOptions options;
    private final String root;
    private final ModelCard card;
    private final Denoiser denoiser;
    private final ImageDecoder decoder;
    private final Inverter inverter;
    private final Sampler sampler;
    /** The images' shape and size: the network's samples', or a latent model's decoded images'. */
    private final int[] shape;
    private final int size;
    private final int sampleSize;
    /** The stored latent's length and shape: x_T's, or the exact inverter's pair's. */
    private final int latentSize;
    private final int[] latentShape;
    private final String settings;

    InvertRows(InvertJobOptions options, String root, Denoiser denoiser) {
        this.options = options;
        this.root = root;
        this.card = denoiser.card();
        this.denoiser = denoiser;
        this.decoder = new ImageDecoder(options.maxPixels());
        this.inverter = Inverter.of(denoiser, options.sampler());
        this.sampler = Sampler.of(denoiser, options.sampler());
        this.shape = card.imageShape();
        this.size = shape[0] * shape[1] * shape[2];
        this.sampleSize = card.sampleSize();
        this.latentSize = inverter.latentLength(sampleSize);
        this.latentShape = latentShape(card, latentSize != sampleSize);
        this.settings = options.sampler().resolve(card, false).toString();
    }

    /**
     * Inverts a batch of files.
     *
     * @param files the files' contents, or why they could not be read
     * @return one row per file, in order
     */
    List<Row> run(List<InputFiles.Content> files) {
        Row[] rows = new Row[files.size()];
        float[] images = new float[files.size() * size];
        int[] slot = new int[files.size()];
        int n = 0;
        for (int f = 0; f < files.size(); f++) {
            String path = files.get(f).path();
            if (files.get(f).error() != null) {
                rows[f] = row(path, null, null, null, files.get(f).error());
                continue;
            }
            try {
                BufferedImage image = decoder.decode(files.get(f).bytes());
                ModelSpace.fromImage(image, shape, card.valueRange(), options.fit(), images, n * size);
                slot[n++] = f;
            } catch (BadImageException e) {
                rows[f] = row(path, null, null, null, e.getMessage());
            }
        }
        if (n > 0) {
            float[] inputs = Arrays.copyOf(images, n * size);
            // a latent model inverts its encoder's latents, and reconstructs through its decoder
            float[] samples = denoiser.samples(inputs, n);
            BatchResult latents = inverter.invert(samples, null);
            BatchResult back = options.reconstruct() ? sampler.sample(latents.samples(), new long[n], null) : null;
            float[] backImages = back == null ? null : denoiser.images(back.samples(), n);
            for (int r = 0; r < n; r++) {
                int f = slot[r];
                String path = files.get(f).path();
                String error = latents.errors()[r];
                float[] latent = error == null
                        ? Arrays.copyOfRange(latents.samples(), r * latentSize, (r + 1) * latentSize) : null;
                byte[] png = null;
                double[] measured = null;
                if (back != null && error == null) {
                    error = back.errors()[r];
                    if (error == null) {
                        png = PngCodec.encode(backImages, r * size, shape, card.valueRange());
                        double[] roundTrip = roundTrip(back.samples(), samples, r * sampleSize);
                        measured = new double[] {pixelMse(backImages, inputs, r * size), roundTrip[0], roundTrip[1]};
                    }
                }
                rows[f] = row(path, latent, png, measured, error);
            }
        }
        return new ArrayList<>(Arrays.asList(rows));
    }

    /**
     * The mean squared difference on [0, 1] pixels between the reconstruction as its PNG stores it (8-bit)
     * and the input as it entered model space.
     */
    private double pixelMse(float[] reconstructions, float[] inputs, int offset) {
        double low = card.valueRange()[0];
        double high = card.valueRange()[1];
        double sum = 0.0;
        for (int i = offset; i < offset + size; i++) {
            double reconstructed = PngCodec.toPixel(reconstructions[i], low, high) / 255.0;
            double input = level((inputs[i] - low) / (high - low));
            double d = reconstructed - input;
            sum += d * d;
        }
        return sum / size;
    }

    /**
     * An input pixel on [0, 1]: within 1/1000 of an 8-bit level it is that level, which float32 model space holds
     * only to about 1e-7, so that an image given back pixel for pixel measures an MSE of exactly 0.
     */
    static double level(double unit) {
        double scaled = unit * 255.0;
        double nearest = Math.rint(scaled);
        return Math.abs(scaled - nearest) < 1e-3 ? nearest / 255.0 : unit;
    }

    /**
     * The round trip in model space (a latent model's latent space) before 8-bit rounding: the mean squared
     * and the largest difference between the sample the latent gives back and the one that was inverted.
     */
    private double[] roundTrip(float[] back, float[] inverted, int offset) {
        double sum = 0.0;
        double max = 0.0;
        for (int i = offset; i < offset + sampleSize; i++) {
            double d = back[i] - inverted[i];
            sum += d * d;
            max = Math.max(max, Math.abs(d));
        }
        return new double[] {sum / sampleSize, max};
    }

    /** The shape of a stored latent: the model's sample shape, or [2, C, H, W] for an exact pair. */
    static int[] latentShape(ModelCard card, boolean pair) {
        int[] shape = card.sampleShape();
        return pair ? new int[] {2, shape[0], shape[1], shape[2]} : shape.clone();
    }

    /**
     * A row.
     *
     * @param measured with --reconstruct: the pixel MSE, the round trip's MSE and its largest error; else null
     */
    private Row row(String path, float[] latent, byte[] png, double[] measured, String error) {
        String id = InputFiles.of(root, path);
        Row image = png == null ? null : RowFactory.create(png, OutputSchema.pngName(id));
        boolean m = measured != null;
        return RowFactory.create(id, path, options.sampler().steps(), options.sampler().spacing().id(), settings,
                options.fit().id(), options.maxPixels(), card.reference(), latent, latentShape.clone(), image,
                m ? measured[0] : null, m ? psnr(measured[0]) : null, m ? measured[1] : null, m ? measured[2] : null,
                error == null ? OutputSchema.OK : OutputSchema.ERROR, error);
    }

    /** Peak signal-to-noise ratio in dB of an MSE on [0, 1] pixels; infinite for a perfect reconstruction. */
    static double psnr(double mse) {
        return mse == 0.0 ? Double.POSITIVE_INFINITY : -10.0 * Math.log10(mse);
    }
}
