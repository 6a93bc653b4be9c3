package org.ddimspark.storage;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.StandardCopyOption;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.function.Supplier;
import com.google.gson.JsonElement;
import com.google.gson.JsonParser;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.ddimspark.model.BundledModels;
import org.ddimspark.model.InvalidModelException;
import org.ddimspark.model.ModelCard;

/**
 * Model directories on any Hadoop file system ({@code --model s3a://bucket/models/x}, {@code hdfs://},
 * {@code file:}). The PyTorch engine loads from local files, so each JVM copies {@code model.pt} and
 * {@code model.json} once into a local cache folder named after the sha256 of {@code model.pt} (and of the
 * card), verifies the hash, and loads the copy; no shared file system is needed. A copy already in the cache
 * is verified again before every load, and replaced when it does not match.
 */
public final class RemoteModels {

    /** The largest model card read, in bytes: a card is a few hundred bytes. */
    private static final int MAX_CARD_BYTES = 1 << 20;

    private RemoteModels() {}

    /**
     * Returns whether a {@code --model} value is a URI to copy from rather than a local directory or a
     * bundled model's name.
     *
     * @param model the {@code --model} value
     * @return true when it has a scheme
     */
    public static boolean isRemote(String model) {
        return ObjectStoreCommit.scheme(model) != null;
    }

    /**
     * Returns the local directory of a {@code --model} value: a local directory as it is, a bundled model
     * extracted, a URI copied into the cache.
     *
     * @param model the {@code --model} value
     * @param sha256 the sha256 that {@code model.pt} must have (as the driver saw it), or null on the driver
     * @param conf the Hadoop configuration, asked for only when the model is remote
     * @return the local directory
     * @throws InvalidModelException when the model is missing or its hash differs
     * @throws StorageException when the file system fails
     */
    public static java.nio.file.Path localDirectory(String model, String sha256, Supplier<Configuration> conf) {
        return isRemote(model) ? fetch(model, sha256, conf.get()) : BundledModels.resolve(model);
    }

    /**
     * Copies a remote model directory into the cache, unless a verified copy is there.
     *
     * @param uri the model directory's URI
     * @param sha256 the sha256 {@code model.pt} must have, or null to take the card's {@code sha256}, if any,
     *     to find a cached copy
     * @param conf the Hadoop configuration
     * @return the local copy
     */
    static java.nio.file.Path fetch(String uri, String sha256, Configuration conf) {
        Path dir = new Path(uri);
        // a file system of its own, closed after the copy: the caller's settings (a probe's few retries) do not
        // leak into the instance that Hadoop's cache hands to the job
        try (FileSystem fs = FileSystem.newInstance(dir.toUri(), conf)) {
            byte[] card = readCard(fs, new Path(dir, ModelCard.CARD_FILE), uri);
            String expected = sha256 != null ? sha256 : cardSha256(card);
            String cardKey = hex(digest().digest(card)).substring(0, 12);
            java.nio.file.Path root = BundledModels.cacheRoot();
            if (expected != null) {
                java.nio.file.Path cached = root.resolve(expected.toLowerCase(Locale.ROOT) + "-" + cardKey);
                if (holds(cached, expected)) {
                    return cached;
                }
            }
            java.nio.file.Path staging = Files.createTempDirectory(root, "fetch-");
            try {
                Files.write(staging.resolve(ModelCard.CARD_FILE), card);
                String actual = copy(fs, new Path(dir, ModelCard.MODEL_FILE), staging.resolve(ModelCard.MODEL_FILE), uri);
                if (sha256 != null && !actual.equalsIgnoreCase(sha256)) {
                    throw new InvalidModelException("--model " + HadoopSettings.withoutUserInfo(uri) + ": "
                            + ModelCard.MODEL_FILE + " hashes to " + actual + " on this host, not " + sha256
                            + " as on the driver: the model changed while the job ran");
                }
                // a latent model's decoder and encoder, as its card names them (ModelCard.load checks their hashes)
                List<String> files = ModelCard.parse(new String(card, StandardCharsets.UTF_8), actual).files();
                for (String file : files.subList(2, files.size())) {
                    copy(fs, new Path(dir, file), staging.resolve(file), uri);
                }
                java.nio.file.Path target = root.resolve(actual + "-" + cardKey);
                if (Files.exists(target)) {
                    if (holds(target, actual)) {
                        return target;
                    }
                    BundledModels.deleteQuietly(target);
                }
                Files.move(staging, target, StandardCopyOption.ATOMIC_MOVE);
                return target;
            } finally {
                if (Files.exists(staging)) {
                    BundledModels.deleteQuietly(staging);
                }
            }
        } catch (FileNotFoundException e) {
            throw new InvalidModelException("--model " + HadoopSettings.withoutUserInfo(uri) + ": " + e.getMessage());
        } catch (IOException e) {
            throw StorageProbe.failure("--model", uri, e);
        }
    }

    private static byte[] readCard(FileSystem fs, Path card, String uri) throws IOException {
        if (!fs.exists(card)) {
            throw new FileNotFoundException("no " + ModelCard.CARD_FILE + " (the model card) in " + HadoopSettings.withoutUserInfo(uri));
        }
        try (InputStream in = fs.open(card)) {
            byte[] bytes = in.readNBytes(MAX_CARD_BYTES + 1);
            if (bytes.length > MAX_CARD_BYTES) {
                throw new InvalidModelException("--model " + HadoopSettings.withoutUserInfo(uri) + ": "
                        + ModelCard.CARD_FILE + " is larger than " + MAX_CARD_BYTES + " bytes");
            }
            return bytes;
        }
    }

    /** The card's sha256 field, or null when it has none or is not a JSON object (the card check says why). */
    private static String cardSha256(byte[] card) {
        try {
            JsonElement tree = JsonParser.parseString(new String(card, StandardCharsets.UTF_8));
            if (tree.isJsonObject() && tree.getAsJsonObject().has("sha256")
                    && tree.getAsJsonObject().get("sha256").isJsonPrimitive()) {
                String sha = tree.getAsJsonObject().get("sha256").getAsString();
                return sha.matches("[0-9a-fA-F]{64}") ? sha : null;
            }
        } catch (RuntimeException e) {
            // an invalid card is reported by ModelCard with its reason
        }
        return null;
    }

    /** Copies a file while hashing it; returns its sha256. */
    private static String copy(FileSystem fs, Path from, java.nio.file.Path to, String uri) throws IOException {
        if (!fs.exists(from)) {
            throw new FileNotFoundException("no " + from.getName()
                    + (from.getName().equals(ModelCard.MODEL_FILE) ? " (the TorchScript model)" : " (named by its card)")
                    + " in " + HadoopSettings.withoutUserInfo(uri));
        }
        MessageDigest digest = digest();
        try (InputStream in = fs.open(from);
                OutputStream out = new DigestOutputStream(Files.newOutputStream(to), digest)) {
            in.transferTo(out);
        }
        return hex(digest.digest());
    }

    /** Whether a cached folder holds a card and a model.pt of the given hash. */
    private static boolean holds(java.nio.file.Path dir, String sha256) throws IOException {
        java.nio.file.Path model = dir.resolve(ModelCard.MODEL_FILE);
        if (!Files.isRegularFile(dir.resolve(ModelCard.CARD_FILE)) || !Files.isRegularFile(model)) {
            return false;
        }
        try {
            // hashes model.pt, and checks that a latent model's decoder and encoder are there with their hashes
            return ModelCard.load(dir).sha256().equalsIgnoreCase(sha256);
        } catch (InvalidModelException e) {
            return false;
        }
    }

    private static MessageDigest digest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String hex(byte[] bytes) {
        return HexFormat.of().formatHex(bytes);
    }
}
