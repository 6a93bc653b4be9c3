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
import org.ddimspark.sampling.DdimInverter;
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
    private final DdimInverter inverter;
    private final Sampler sampler;
    /** The images' shape and size: the network's samples', or a latent model's decoded images'. */
    private final int[] shape;
    private final int size;
    private final int latentSize;
    private final String settings;

    InvertRows(InvertJobOptions options, String root, Denoiser denoiser) {
        this.options = options;
        this.root = root;
        this.card = denoiser.card();
        this.denoiser = denoiser;
        this.decoder = new ImageDecoder(options.maxPixels());
        this.inverter = new DdimInverter(denoiser, options.sampler());
        this.sampler = Sampler.of(denoiser, options.sampler());
        this.shape = card.imageShape();
        this.size = shape[0] * shape[1] * shape[2];
        this.latentSize = card.sampleSize();
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
                rows[f] = row(path, null, null, Double.NaN, files.get(f).error());
                continue;
            }
            try {
                BufferedImage image = decoder.decode(files.get(f).bytes());
                ModelSpace.fromImage(image, shape, card.valueRange(), options.fit(), images, n * size);
                slot[n++] = f;
            } catch (BadImageException e) {
                rows[f] = row(path, null, null, Double.NaN, e.getMessage());
            }
        }
        if (n > 0) {
            float[] inputs = Arrays.copyOf(images, n * size);
            // a latent model inverts its encoder's latents, and reconstructs through its decoder
            BatchResult latents = inverter.invert(denoiser.samples(inputs, n), null);
            BatchResult back = options.reconstruct() ? sampler.sample(latents.samples(), new long[n], null) : null;
            float[] backImages = back == null ? null : denoiser.images(back.samples(), n);
            for (int r = 0; r < n; r++) {
                int f = slot[r];
                String path = files.get(f).path();
                String error = latents.errors()[r];
                float[] latent = error == null
                        ? Arrays.copyOfRange(latents.samples(), r * latentSize, (r + 1) * latentSize) : null;
                byte[] png = null;
                double mse = Double.NaN;
                if (back != null && error == null) {
                    error = back.errors()[r];
                    if (error == null) {
                        png = PngCodec.encode(backImages, r * size, shape, card.valueRange());
                        mse = pixelMse(backImages, inputs, r * size);
                    }
                }
                rows[f] = row(path, latent, png, mse, error);
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
            double input = (inputs[i] - low) / (high - low);
            double d = reconstructed - input;
            sum += d * d;
        }
        return sum / size;
    }

    private Row row(String path, float[] latent, byte[] png, double mse, String error) {
        return row(options, card, settings, root, path, latent, png, mse, error);
    }

    private static Row row(InvertJobOptions options, ModelCard card, String settings, String root, String path,
            float[] latent, byte[] png, double mse, String error) {
        String id = InputFiles.of(root, path);
        Row image = png == null ? null : RowFactory.create(png, OutputSchema.pngName(id));
        boolean measured = !Double.isNaN(mse);
        return RowFactory.create(id, path, options.sampler().steps(), options.sampler().spacing().id(), settings,
                options.fit().id(), options.maxPixels(), card.reference(), latent, card.sampleShape(), image, measured ? mse : null,
                measured ? psnr(mse) : null, error == null ? OutputSchema.OK : OutputSchema.ERROR, error);
    }

    /** Peak signal-to-noise ratio in dB of an MSE on [0, 1] pixels; infinite for a perfect reconstruction. */
    static double psnr(double mse) {
        return mse == 0.0 ? Double.POSITIVE_INFINITY : -10.0 * Math.log10(mse);
    }
}
