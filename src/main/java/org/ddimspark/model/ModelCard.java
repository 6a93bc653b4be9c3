package org.ddimspark.model;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonElement;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.InputStream;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import org.ddimspark.schedule.NoiseLevel;
import org.ddimspark.schedule.NoiseSchedule;
import org.ddimspark.schedule.ScheduleKind;
import org.ddimspark.schedule.TimestepInput;

/**
 * The model card, {@code model.json}: what a TorchScript model predicts, on which schedule, for which
 * sample shape and value range, and for which classes. It is validated when read, so that a missing or
 * contradictory field is an error before any work starts.
 */
public final class ModelCard implements Serializable {

    private static final long serialVersionUID = 1L;

    /** The name of the TorchScript file in a model directory. */
    public static final String MODEL_FILE = "model.pt";
    /** The name of the card in a model directory. */
    public static final String CARD_FILE = "model.json";
    /** A latent model's decoder file, unless its card names another. */
    public static final String DECODER_FILE = "decoder.pt";
    /** The largest height or width of {@code sample_shape}. */
    public static final int MAX_SIDE = 16384;
    /** The most values C * H * W of one sample: 2^24 (a 4096 x 4096 x 1 image, or 2048 x 2048 x 4). */
    public static final int MAX_SAMPLE_SIZE = 1 << 24;
    /** The most rows of one network forward ({@code forward_batch}) and of one batch ({@code --batch-size}). */
    public static final int MAX_BATCH = 65536;
    /** The most values of one batch, rows x C x H x W, doubled by guidance: 2^28 floats, 1 GiB. */
    public static final long MAX_BATCH_VALUES = 1L << 28;
    /** The rows of every network forward unless the card says otherwise ({@code forward_batch}). */
    public static final int DEFAULT_FORWARD_BATCH = 16;

    private final String name;
    private final PredictionType prediction;
    private final NoiseSchedule schedule;
    private final TimestepInput timestepInput;
    private final int[] sampleShape;
    private final double[] valueRange;
    private final int numClasses;
    private final List<String> classNames;
    private final double guidance;
    private final int forwardBatch;
    private final LatentSpace latent;
    private final ConditioningFiles conditioningFiles;
    /** An embedding-conditioned model's class embeddings, read from its directory by {@link #load}, else null. */
    private Conditioning conditioning;
    private final String sha256;
    private final String json;

    /**
     * The pixel side of a latent model (card field {@code latent}): the network works on latents of
     * {@code sample_shape}; {@code decoder.pt} turns them into images of {@code image_shape} in {@code value_range},
     * and {@code encoder.pt} (optional) images into latents. The network's latent z and the decoder's
     * input are related by z = (encoder(x) - shift) * scale and decoder(z / scale + shift), as Stable
     * Diffusion's VAE factors.
     *
     * @param imageShape the decoder's output [C, H, W]
     * @param scale the scale factor, positive
     * @param shift the shift factor
     * @param decoder the decoder's file name in the model directory
     * @param encoder the encoder's file name, or null when the model has none
     * @param decoderSha256 the decoder file's sha256 when the card gives it, else null
     * @param encoderSha256 the encoder file's sha256 when the card gives it, else null
     */
    /**
     * The files of an embedding-conditioned model (card field {@code conditioning}, kind {@code embedding}):
     * the network takes {@code cond: float32[B, L, D]} instead of class ids.
     *
     * @param shape [L, D]
     * @param pooled P of a pooled vector {@code float32[B, P]} that the network takes as a fourth argument, or 0
     * @param nullEmbedding the file of the null embedding, for guidance's unconditional half
     * @param embeddings the JSON-lines table of the classes' embeddings
     */
    public record ConditioningFiles(int[] shape, int pooled, String nullEmbedding, String embeddings)
            implements Serializable {}

    /**
     * An embedding-conditioned model's embeddings, row {@code y} for class y and row {@code num_classes} the
     * null embedding: the denoiser gives the network row y's L x D values where a class-conditional model
     * would get y.
     *
     * @param shape [L, D]
     * @param pooled P, the size of the pooled vector, or 0 when the network takes none
     * @param table {@code num_classes + 1} rows of L * D values, then P pooled values
     */
    public record Conditioning(int[] shape, int pooled, float[][] table) implements Serializable {

        /** Returns L * D, the values of {@code cond} in a row of the table. */
        public int condSize() {
            return shape[0] * shape[1];
        }
    }

    public record LatentSpace(int[] imageShape, double scale, double shift, String decoder, String encoder,
            String decoderSha256, String encoderSha256) implements Serializable {

        /** Returns C * H * W of an image. */
        public int imageSize() {
            return imageShape[0] * imageShape[1] * imageShape[2];
        }
    }

    private ModelCard(Fields f, String sha256, String json) {
        String where = CARD_FILE + ": ";
        if (f.name == null || f.name.isBlank()) {
            throw new InvalidModelException(where + "field 'name' is missing");
        }
        this.name = f.name;
        if (f.prediction == null) {
            throw new InvalidModelException(where + "field 'prediction' is missing");
        }
        if (f.schedule == null) {
            throw new InvalidModelException(where + "field 'schedule' is missing");
        }
        try {
            this.prediction = PredictionType.fromId(f.prediction);
        } catch (IllegalArgumentException e) {
            throw new InvalidModelException(where + "field 'prediction': " + e.getMessage());
        }
        ScheduleKind kind;
        try {
            kind = ScheduleKind.fromId(f.schedule.kind);
        } catch (IllegalArgumentException e) {
            throw new InvalidModelException(where + "field 'schedule.kind': " + e.getMessage());
        }
        if (kind.isDiffusion() != (prediction != PredictionType.FLOW_VELOCITY)) {
            throw new InvalidModelException(where + "prediction '" + prediction.id() + "' does not fit schedule '"
                    + kind.id() + "' (flow_velocity goes with rectified_flow, and only with it)");
        }
        int trainTimesteps = f.schedule.num_train_timesteps == null
                ? (kind.isDiffusion() ? -1 : (int) NoiseSchedule.FLOW_INDEX_SCALE) : f.schedule.num_train_timesteps;
        if (trainTimesteps < 1) {
            throw new InvalidModelException(where + "field 'schedule.num_train_timesteps' is missing or below 1");
        }
        boolean needsBetas = kind == ScheduleKind.LINEAR || kind == ScheduleKind.SCALED_LINEAR;
        if (needsBetas && (f.schedule.beta_start == null || f.schedule.beta_end == null)) {
            throw new InvalidModelException(where + "a " + kind.id() + " schedule needs 'schedule.beta_start' and 'schedule.beta_end'");
        }
        try {
            this.schedule = new NoiseSchedule(kind, trainTimesteps,
                    needsBetas ? f.schedule.beta_start : Double.NaN, needsBetas ? f.schedule.beta_end : Double.NaN);
        } catch (IllegalArgumentException e) {
            throw new InvalidModelException(where + "field 'schedule': " + e.getMessage());
        }
        if (f.timestep_input == null) {
            throw new InvalidModelException(where + "field 'timestep_input' is missing (index or unit)");
        }
        try {
            this.timestepInput = TimestepInput.fromId(f.timestep_input);
        } catch (IllegalArgumentException e) {
            throw new InvalidModelException(where + "field 'timestep_input': " + e.getMessage());
        }
        if (f.sample_shape == null || f.sample_shape.length != 3
                || Arrays.stream(f.sample_shape).anyMatch(d -> d < 1)) {
            throw new InvalidModelException(where + "field 'sample_shape' must be [C, H, W] with positive sizes, got "
                    + Arrays.toString(f.sample_shape));
        }
        // a latent model's samples are latents of any number of channels; its images are the decoder's
        this.latent = f.latent == null ? null : latentSpace(f.latent, where);
        requireShape(f.sample_shape, "sample_shape", latent == null, where);
        this.sampleShape = f.sample_shape.clone();
        if (f.value_range == null || f.value_range.length != 2 || !(f.value_range[0] < f.value_range[1])) {
            throw new InvalidModelException(where + "field 'value_range' must be [low, high] with low < high, got "
                    + Arrays.toString(f.value_range));
        }
        this.valueRange = f.value_range.clone();
        this.numClasses = f.num_classes == null ? 0 : f.num_classes;
        if (numClasses < 0) {
            throw new InvalidModelException(where + "field 'num_classes' must not be negative, got " + numClasses);
        }
        if (f.class_names != null && f.class_names.size() != numClasses) {
            throw new InvalidModelException(where + "field 'class_names' has " + f.class_names.size()
                    + " names for num_classes = " + numClasses);
        }
        this.classNames = f.class_names == null ? List.of() : Collections.unmodifiableList(new ArrayList<>(f.class_names));
        this.guidance = f.guidance == null ? 1.0 : f.guidance;
        if (!(guidance >= 0) || Double.isInfinite(guidance)) {
            throw new InvalidModelException(where + "field 'guidance' must be a finite number >= 0, got " + guidance);
        }
        if (guidance != 1.0 && numClasses == 0) {
            throw new InvalidModelException(where + "field 'guidance' needs a class-conditional model (num_classes > 0)");
        }
        if (f.sha256 != null && !f.sha256.equalsIgnoreCase(sha256)) {
            throw new InvalidModelException(where + "field 'sha256' is " + f.sha256 + " but " + MODEL_FILE
                    + " hashes to " + sha256 + ": the directory holds another model than its card describes");
        }
        this.forwardBatch = f.forward_batch == null ? DEFAULT_FORWARD_BATCH : f.forward_batch;
        if (forwardBatch < 1 || forwardBatch > MAX_BATCH || 2L * forwardBatch * sampleSize() > MAX_BATCH_VALUES) {
            throw new InvalidModelException(where + "field 'forward_batch' must be in 1.." + MAX_BATCH + " with 2 x "
                    + "forward_batch x C x H x W at most " + MAX_BATCH_VALUES + ", got " + forwardBatch);
        }
        this.conditioningFiles = f.conditioning == null ? null : conditioningFiles(f.conditioning, numClasses, where);
        this.sha256 = sha256;
        this.json = json;
    }

    private static ConditioningFiles conditioningFiles(ConditioningFields f, int numClasses, String where) {
        if (!"embedding".equals(f.kind)) {
            throw new InvalidModelException(where + "field 'conditioning.kind' must be 'embedding', got "
                    + (f.kind == null ? "none" : "'" + f.kind + "'"));
        }
        if (f.shape == null || f.shape.length != 2 || f.shape[0] < 1 || f.shape[1] < 1
                || (long) f.shape[0] * f.shape[1] > MAX_SAMPLE_SIZE) {
            throw new InvalidModelException(where + "field 'conditioning.shape' must be [L, D] with positive sizes and"
                    + " at most " + MAX_SAMPLE_SIZE + " values, got " + Arrays.toString(f.shape));
        }
        if (numClasses < 1) {
            throw new InvalidModelException(where + "an embedding-conditioned model needs 'num_classes': the classes"
                    + " of its embeddings table");
        }
        int pooled = f.pooled == null ? 0 : f.pooled;
        if (pooled < 0 || pooled > MAX_SAMPLE_SIZE) {
            throw new InvalidModelException(where + "field 'conditioning.pooled' must be in 0.." + MAX_SAMPLE_SIZE
                    + " (the size of the pooled vector), got " + pooled);
        }
        return new ConditioningFiles(f.shape.clone(), pooled, dataFile(f.null_embedding, "conditioning.null_embedding", where),
                dataFile(f.embeddings, "conditioning.embeddings", where));
    }

    private static String dataFile(String name, String field, String where) {
        if (name == null || !name.matches("[A-Za-z0-9][A-Za-z0-9._-]*") || name.equals(CARD_FILE) || name.equals(MODEL_FILE)) {
            throw new InvalidModelException(where + "field '" + field + "' must name a file of the model directory"
                    + " (letters, digits, '.', '_', '-'), got " + (name == null ? "none" : "'" + name + "'"));
        }
        return name;
    }

    /** Reads the embeddings table and the null embedding of an embedding-conditioned model's directory. */
    private static Conditioning readConditioning(Path dir, ConditioningFiles files, int numClasses) {
        float[][] table = new float[numClasses + 1][];
        try {
            List<String> lines = Files.readAllLines(dir.resolve(files.embeddings()), StandardCharsets.UTF_8);
            int n = 0;
            for (String line : lines) {
                n++;
                if (line.isBlank()) {
                    continue;
                }
                String where = files.embeddings() + " line " + n + ": ";
                EmbeddingFields e = embedding(line, files.shape(), files.pooled(), where);
                if (e.class_label == null || e.class_label < 0 || e.class_label >= numClasses) {
                    throw new InvalidModelException(where + "class_label must be in 0.." + (numClasses - 1) + ", got "
                            + e.class_label);
                }
                if (table[e.class_label] != null) {
                    throw new InvalidModelException(where + "class_label " + e.class_label + " has an embedding already");
                }
                table[e.class_label] = e.values;
            }
            for (int y = 0; y < numClasses; y++) {
                if (table[y] == null) {
                    throw new InvalidModelException(files.embeddings() + " has no embedding of class " + y);
                }
            }
            String where = files.nullEmbedding() + ": ";
            table[numClasses] = embedding(Files.readString(dir.resolve(files.nullEmbedding()), StandardCharsets.UTF_8),
                    files.shape(), files.pooled(), where).values;
        } catch (NoSuchFileException e) {
            throw new InvalidModelException(dir + " has no " + e.getFile().substring(e.getFile().lastIndexOf('/') + 1)
                    + " (named by the card's conditioning)");
        } catch (IOException e) {
            throw new InvalidModelException("cannot read the embeddings of " + dir + ": " + e.getMessage(), e);
        }
        return new Conditioning(files.shape().clone(), files.pooled(), table);
    }

    /**
     * One embedding of a JSON object {"cond": [...], "cond_shape": [L, D]} (and "pooled": [P] when the model
     * takes a pooled vector), checked against the card; its values are cond's, then pooled's.
     */
    private static EmbeddingFields embedding(String json, int[] shape, int pooled, String where) {
        EmbeddingFields e;
        try {
            e = new Gson().fromJson(json, EmbeddingFields.class);
        } catch (JsonParseException | NumberFormatException | IllegalStateException x) {
            throw new InvalidModelException(where + "not a JSON object with 'cond' and 'cond_shape': " + firstLine(x.getMessage()));
        }
        int size = shape[0] * shape[1];
        if (e == null || e.cond == null || !Arrays.equals(e.cond_shape, shape) || e.cond.length != size) {
            throw new InvalidModelException(where + "'cond' must hold " + size + " values of 'cond_shape' "
                    + Arrays.toString(shape) + " (conditioning.shape)");
        }
        if (pooled > 0 && (e.pooled == null || e.pooled.length != pooled)) {
            throw new InvalidModelException(where + "'pooled' must hold " + pooled + " values (conditioning.pooled)");
        }
        e.values = new float[size + pooled];
        for (int i = 0; i < size + pooled; i++) {
            e.values[i] = (float) (i < size ? e.cond[i] : e.pooled[i - size]);
            if (!Float.isFinite(e.values[i])) {
                throw new InvalidModelException(where + "'cond' or 'pooled' has a non-finite value");
            }
        }
        return e;
    }

    private static void requireShape(int[] shape, String field, boolean image, String where) {
        if (shape == null || shape.length != 3 || Arrays.stream(shape).anyMatch(d -> d < 1)) {
            throw new InvalidModelException(where + "field '" + field + "' must be [C, H, W] with positive sizes, got "
                    + Arrays.toString(shape));
        }
        int channels = shape[0];
        if (image && channels != 1 && channels != 3 && channels != 4) {
            throw new InvalidModelException(where + "field '" + field + "': images need 1, 3 or 4 channels, got " + channels);
        }
        if (shape[1] > MAX_SIDE || shape[2] > MAX_SIDE || (long) channels * shape[1] * shape[2] > MAX_SAMPLE_SIZE) {
            throw new InvalidModelException(where + "field '" + field + "' " + Arrays.toString(shape)
                    + " is too large: at most " + MAX_SIDE + " a side and " + MAX_SAMPLE_SIZE + " values");
        }
    }

    private static LatentSpace latentSpace(LatentFields f, String where) {
        requireShape(f.image_shape, "latent.image_shape", true, where);
        double scale = f.scale == null ? 1.0 : f.scale;
        double shift = f.shift == null ? 0.0 : f.shift;
        if (!(scale > 0) || Double.isInfinite(scale) || !Double.isFinite(shift)) {
            throw new InvalidModelException(where + "fields 'latent.scale' and 'latent.shift' must be finite with scale > 0,"
                    + " got " + scale + " and " + shift);
        }
        String decoder = fileName(f.decoder == null ? DECODER_FILE : f.decoder, "latent.decoder", where);
        String encoder = f.encoder == null ? null : fileName(f.encoder, "latent.encoder", where);
        return new LatentSpace(f.image_shape.clone(), scale, shift, decoder, encoder, sha(f.decoder_sha256,
                "latent.decoder_sha256", where), sha(f.encoder_sha256, "latent.encoder_sha256", where));
    }

    /** A file of the model directory named by the card: a plain name, never a path out of the directory. */
    private static String fileName(String name, String field, String where) {
        if (!name.matches("[A-Za-z0-9][A-Za-z0-9._-]*\\.pt") || name.equals(MODEL_FILE)) {
            throw new InvalidModelException(where + "field '" + field + "' must name a TorchScript file of the model"
                    + " directory (letters, digits, '.', '_', '-', ending in .pt; not " + MODEL_FILE + "), got '" + name + "'");
        }
        return name;
    }

    private static String sha(String value, String field, String where) {
        if (value != null && !value.matches("[0-9a-fA-F]{64}")) {
            throw new InvalidModelException(where + "field '" + field + "' must be 64 hex digits, got '" + value + "'");
        }
        return value == null ? null : value.toLowerCase(java.util.Locale.ROOT);
    }

    /**
     * Reads and validates the card of a model directory, and checks {@code model.pt} against the card's
     * sha256 when it gives one.
     *
     * @param dir the model directory
     * @return the card
     * @throws InvalidModelException with a one-line reason
     */
    public static ModelCard load(Path dir) {
        if (!Files.isDirectory(dir)) {
            throw new InvalidModelException("model directory " + dir + " does not exist");
        }
        Path cardFile = dir.resolve(CARD_FILE);
        Path modelFile = dir.resolve(MODEL_FILE);
        String json;
        try {
            json = Files.readString(cardFile, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new InvalidModelException(dir + " has no " + CARD_FILE + " (the model card)");
        } catch (IOException e) {
            throw new InvalidModelException("cannot read " + cardFile + ": " + e.getMessage(), e);
        }
        if (!Files.isRegularFile(modelFile)) {
            throw new InvalidModelException(dir + " has no " + MODEL_FILE + " (the TorchScript model)");
        }
        ModelCard card;
        try (InputStream in = Files.newInputStream(modelFile)) {
            card = parse(json, sha256(in));
        } catch (IOException e) {
            throw new InvalidModelException("cannot read " + modelFile + ": " + e.getMessage(), e);
        }
        if (card.conditioningFiles != null) {
            card.conditioning = readConditioning(dir, card.conditioningFiles, card.numClasses);
        }
        if (card.latent != null) {
            requireFile(dir, card.latent.decoder(), card.latent.decoderSha256(), "latent.decoder");
            if (card.latent.encoder() != null) {
                requireFile(dir, card.latent.encoder(), card.latent.encoderSha256(), "latent.encoder");
            }
        }
        return card;
    }

    /** Checks that a file the card names is in the directory and has the card's sha256, when it gives one. */
    private static void requireFile(Path dir, String name, String expected, String field) {
        Path file = dir.resolve(name);
        if (!Files.isRegularFile(file)) {
            throw new InvalidModelException(dir + " has no " + name + " (the card's " + field + ")");
        }
        if (expected != null) {
            try (InputStream in = Files.newInputStream(file)) {
                String actual = sha256(in);
                if (!actual.equals(expected)) {
                    throw new InvalidModelException(CARD_FILE + ": field '" + field + "_sha256' is " + expected + " but "
                            + name + " hashes to " + actual + ": the directory holds another file than its card describes");
                }
            } catch (IOException e) {
                throw new InvalidModelException("cannot read " + file + ": " + e.getMessage(), e);
            }
        }
    }

    /**
     * Parses and validates a card.
     *
     * @param json the text of {@code model.json}
     * @param modelSha256 the sha256 of the model file, in hex
     * @return the card
     */
    public static ModelCard parse(String json, String modelSha256) {
        JsonElement tree;
        try {
            tree = JsonParser.parseString(json);
        } catch (JsonParseException e) {
            throw new InvalidModelException(CARD_FILE + " is not valid JSON: " + firstLine(e.getMessage()), e);
        }
        if (!tree.isJsonObject()) {
            throw new InvalidModelException(CARD_FILE + " must hold a JSON object");
        }
        Fields fields;
        try {
            fields = new Gson().fromJson(tree, Fields.class);
        } catch (JsonParseException | NumberFormatException e) {
            throw new InvalidModelException(CARD_FILE + " has a field of the wrong type: " + firstLine(e.getMessage()), e);
        }
        return new ModelCard(fields, modelSha256, new GsonBuilder().setPrettyPrinting().create().toJson(tree));
    }

    /**
     * Returns the sha256 of a stream, in lower-case hex.
     *
     * @param in the stream, read to its end
     * @return the hash
     * @throws IOException when reading fails
     */
    public static String sha256(InputStream in) throws IOException {
        MessageDigest digest;
        try {
            digest = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        try (DigestInputStream din = new DigestInputStream(in, digest)) {
            din.transferTo(java.io.OutputStream.nullOutputStream());
        }
        return HexFormat.of().formatHex(digest.digest());
    }

    /** Returns the model's name. */
    public String name() {
        return name;
    }

    /** Returns what the network predicts. */
    public PredictionType prediction() {
        return prediction;
    }

    /** Returns the trained noise schedule. */
    public NoiseSchedule schedule() {
        return schedule;
    }

    /** Returns what the network is given as time. */
    public TimestepInput timestepInput() {
        return timestepInput;
    }

    /** Returns the noisiest point of the model's path: the last trained timestep, or flow time 1. */
    public NoiseLevel noisiestLevel() {
        return schedule.kind().isDiffusion()
                ? schedule.diffusionLevel(schedule.trainTimesteps() - 1, timestepInput)
                : NoiseSchedule.flowLevel(1.0, timestepInput);
    }

    /**
     * Checks that a batch of this many samples fits the documented limits: at most {@link #MAX_BATCH} rows,
     * and 2 x rows x C x H x W (a guided forward) at most {@link #MAX_BATCH_VALUES} values.
     *
     * @param batchSize the rows of a batch
     * @throws IllegalArgumentException naming {@code --batch-size}
     */
    public void requireBatchFits(int batchSize) {
        if (batchSize < 1 || batchSize > MAX_BATCH || 2L * batchSize * sampleSize() > MAX_BATCH_VALUES) {
            throw new IllegalArgumentException("--batch-size must be in 1.." + Math.min(MAX_BATCH,
                    MAX_BATCH_VALUES / (2L * sampleSize())) + " for '" + name + "' (2 x rows x C x H x W at most "
                    + MAX_BATCH_VALUES + " values), got " + batchSize);
        }
    }

    /** Returns the pixel side of a latent model, or null when the network works on images. */
    public LatentSpace latent() {
        return latent;
    }

    /**
     * Returns an embedding-conditioned model's embeddings (read by {@link #load}), or null when the network
     * takes class ids or no class.
     */
    public Conditioning conditioning() {
        if (conditioningFiles != null && conditioning == null) {
            throw new IllegalStateException("the card of '" + name + "' was parsed without its directory: its embeddings"
                    + " are read by ModelCard.load");
        }
        return conditioning;
    }

    /**
     * Returns the files of the model directory: the card, the network, a latent model's decoder and encoder, and
     * an embedding-conditioned model's embeddings.
     */
    public List<String> files() {
        List<String> files = new ArrayList<>(List.of(CARD_FILE, MODEL_FILE));
        if (conditioningFiles != null) {
            files.add(conditioningFiles.nullEmbedding());
            files.add(conditioningFiles.embeddings());
        }
        if (latent != null) {
            files.add(latent.decoder());
            if (latent.encoder() != null) {
                files.add(latent.encoder());
            }
        }
        return files;
    }

    /** Returns the [C, H, W] of the model's images: {@link #sampleShape()}, or a latent model's decoded images. */
    public int[] imageShape() {
        return latent == null ? sampleShape() : latent.imageShape().clone();
    }

    /** Returns [C, H, W] of the network's samples: the images, or a latent model's latents. */
    public int[] sampleShape() {
        return sampleShape.clone();
    }

    /** Returns C * H * W. */
    public int sampleSize() {
        return sampleShape[0] * sampleShape[1] * sampleShape[2];
    }

    /** Returns [low, high]: the model-space values of pixel 0 and of the brightest pixel. */
    public double[] valueRange() {
        return valueRange.clone();
    }

    /** Returns the number of classes, 0 for an unconditional model. */
    public int numClasses() {
        return numClasses;
    }

    /** Returns whether the model takes a class argument. */
    public boolean isConditional() {
        return numClasses > 0;
    }

    /** Returns the class names (empty when the card gives none). */
    public List<String> classNames() {
        return classNames;
    }

    /** Returns the recommended classifier-free guidance scale (1 when the card gives none). */
    public double guidance() {
        return guidance;
    }

    /**
     * Returns how many rows every forward of the network has: inputs are run in chunks of exactly this
     * many rows, the last one padded, because a network's output for one row can change in its last bits
     * with the number of rows beside it (GEMM and convolution kernels are chosen by batch size). With a
     * fixed forward batch, a sample is the same whatever batch, partition or executor it runs in.
     */
    public int forwardBatch() {
        return forwardBatch;
    }

    /** Returns the sha256 of {@code model.pt}. */
    public String sha256() {
        return sha256;
    }

    /** Returns the {@code model} column's value: name and sha256. */
    public String reference() {
        return name + "@sha256:" + sha256;
    }

    /** Returns the card as pretty-printed JSON. */
    public String json() {
        return json;
    }

    private static String firstLine(String message) {
        if (message == null) {
            return "";
        }
        int newline = message.indexOf('\n');
        return newline < 0 ? message : message.substring(0, newline);
    }

    /** The card's JSON fields, named as in the file. */
    @SuppressWarnings({"checkstyle:MemberName", "unused"})
    private static final class Fields {
        String name;
        String prediction;
        ScheduleFields schedule;
        String timestep_input;
        int[] sample_shape;
        double[] value_range;
        Integer num_classes;
        List<String> class_names;
        Double guidance;
        Integer forward_batch;
        LatentFields latent;
        ConditioningFields conditioning;
        String sha256;
    }

    @SuppressWarnings({"checkstyle:MemberName", "unused"})
    private static final class ConditioningFields {
        String kind;
        int[] shape;
        Integer pooled;
        String null_embedding;
        String embeddings;
    }

    @SuppressWarnings({"checkstyle:MemberName", "unused"})
    private static final class EmbeddingFields {
        Integer class_label;
        double[] cond;
        int[] cond_shape;
        double[] pooled;
        transient float[] values;
    }

    @SuppressWarnings({"checkstyle:MemberName", "unused"})
    private static final class LatentFields {
        int[] image_shape;
        Double scale;
        Double shift;
        String decoder;
        String encoder;
        String decoder_sha256;
        String encoder_sha256;
    }

    @SuppressWarnings({"checkstyle:MemberName", "unused"})
    private static final class ScheduleFields {
        String kind;
        Integer num_train_timesteps;
        Double beta_start;
        Double beta_end;
    }
}
