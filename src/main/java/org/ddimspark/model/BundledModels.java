package org.ddimspark.model;

import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.LinkOption;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The models that ship inside the jar, under {@code models/<name>/} on the class path, and the resolution
 * of a {@code --model} argument: a directory, or the name of a bundled model. A bundled model is
 * extracted once per host into a folder named after its sha256 in a private cache folder (under
 * {@code ddim.model.cache}, by default the temporary directory), because the PyTorch engine loads from
 * files; every load compares the extracted files with the jar's and extracts them again when they differ.
 */
public final class BundledModels {

    /** The model that {@code sample} uses without {@code --model}: at the bundled training length it draws better. */
    public static final String DEFAULT = "fashion-mnist-flow";
    /** The classifier that {@code evaluate} uses. */
    public static final String CLASSIFIER = "fashion-mnist-classifier";

    private static final List<String> SAMPLERS = List.of("fashion-mnist-ddpm", "fashion-mnist-flow",
            "fashion-mnist-latent-flow");

    private BundledModels() {}

    /**
     * Returns the local directory of a model argument.
     *
     * @param model a directory, or a bundled model's name
     * @return the directory
     * @throws InvalidModelException when it is neither
     */
    public static Path resolve(String model) {
        Path dir = Path.of(model);
        if (Files.isDirectory(dir)) {
            return dir;
        }
        if (isBundled(model, ModelCard.CARD_FILE)) {
            return extract(model, ModelCard.CARD_FILE, bundledFiles(model));
        }
        throw new InvalidModelException("--model " + model + ": no such directory, and not a bundled model ("
                + String.join(", ", SAMPLERS) + ")");
    }

    /** The files of a bundled model besides its card, as its card names them (a latent model's decoder...). */
    private static String[] bundledFiles(String name) {
        try (InputStream in = open(name, ModelCard.CARD_FILE)) {
            String text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            String sha = JsonParser.parseString(text).getAsJsonObject().get("sha256").getAsString();
            List<String> files = ModelCard.parse(text, sha).files();
            return files.subList(1, files.size()).toArray(new String[0]);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the card of the bundled model " + name + ": " + e.getMessage(), e);
        }
    }

    /**
     * Returns whether a bundled model of this name, holding this file, is on the class path.
     *
     * @param name the model's name
     * @param file a file it must hold
     * @return true when it is there
     */
    public static boolean isBundled(String name, String file) {
        return !name.contains("/") && !name.contains("\\") && !name.startsWith(".")
                && BundledModels.class.getResource(resource(name, file)) != null;
    }

    /**
     * Extracts a bundled model's files, once per host: the folder's name carries the sha256 of
     * {@code model.pt} as its card (the first file) gives it, so a new model never meets an old folder.
     *
     * @param name the bundled model's name
     * @param card the file that holds the sha256, read first
     * @param files the other files to extract
     * @return the folder
     */
    public static Path extract(String name, String card, String... files) {
        try {
            String cardText;
            try (InputStream in = open(name, card)) {
                cardText = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
            String sha = JsonParser.parseString(cardText).getAsJsonObject().get("sha256").getAsString();
            Path root = cacheRoot();
            Path target = root.resolve(name + "-" + sha.substring(0, 16));
            if (Files.isDirectory(target)) {
                if (sameAsJar(target, name, card, files)) {
                    return target;
                }
                // a copy that differs from the jar's (swapped, or cut short): never load it, extract it again
                deleteQuietly(target);
            }
            Path staging = Files.createTempDirectory(root, name + "-");
            Files.writeString(staging.resolve(card), cardText, StandardCharsets.UTF_8);
            for (String file : files) {
                try (InputStream in = open(name, file)) {
                    Files.copy(in, staging.resolve(file));
                }
            }
            try {
                Files.move(staging, target, StandardCopyOption.ATOMIC_MOVE);
            } catch (FileAlreadyExistsException | AtomicMoveNotSupportedException e) {
                // another JVM on this host extracted it first
                deleteQuietly(staging);
            } catch (IOException e) {
                deleteQuietly(staging);
                if (!Files.isDirectory(target)) {
                    throw e;
                }
            }
            if (!sameAsJar(target, name, card, files)) {
                throw new IOException(target + " does not hold the jar's files after extraction");
            }
            return target;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot extract the bundled model " + name + ": " + e.getMessage(), e);
        }
    }

    /**
     * Returns the folder that holds extracted and copied models: {@code ddim-spark-models-<user>} under the
     * system property {@code ddim.model.cache}, by default the temporary directory; created readable and
     * writable by its owner only. A folder of that name that another user owns, or that others may write
     * into, is refused: its models could have been swapped.
     *
     * @return the folder, which exists
     * @throws IOException when it cannot be created or is not private
     */
    public static Path cacheRoot() throws IOException {
        Path root = Path.of(System.getProperty("ddim.model.cache", System.getProperty("java.io.tmpdir")),
                "ddim-spark-models-" + System.getProperty("user.name", "user").replaceAll("[^A-Za-z0-9._-]", "_"));
        if (!Files.isDirectory(root)) {
            try {
                Files.createDirectories(root, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            } catch (UnsupportedOperationException e) {
                Files.createDirectories(root);
            } catch (FileAlreadyExistsException e) {
                // made by another JVM of this host at the same time
            }
        }
        if (Files.getFileAttributeView(root, PosixFileAttributeView.class) != null) {
            PosixFileAttributes attributes = Files.readAttributes(root, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            boolean mine = attributes.owner().getName().equals(System.getProperty("user.name"));
            boolean shared = attributes.permissions().contains(PosixFilePermission.GROUP_WRITE)
                    || attributes.permissions().contains(PosixFilePermission.OTHERS_WRITE);
            if (!mine || shared || !attributes.isDirectory()) {
                throw new IOException("the model cache " + root + " is not a private folder (owner "
                        + attributes.owner().getName() + ", " + PosixFilePermissions.toString(attributes.permissions())
                        + "): remove it, or choose another with -Dddim.model.cache");
            }
        }
        return root;
    }

    /** Whether every file of an extracted folder has the bytes of the jar's copy. */
    private static boolean sameAsJar(Path dir, String name, String card, String... files) throws IOException {
        List<String> all = new ArrayList<>(List.of(files));
        all.add(0, card);
        for (String file : all) {
            Path copy = dir.resolve(file);
            if (!Files.isRegularFile(copy, LinkOption.NOFOLLOW_LINKS)) {
                return false;
            }
            try (InputStream jar = open(name, file); InputStream disk = Files.newInputStream(copy)) {
                byte[] a;
                do {
                    a = jar.readNBytes(1 << 16);
                    if (!Arrays.equals(a, disk.readNBytes(1 << 16))) {
                        return false;
                    }
                } while (a.length > 0);
            }
        }
        return true;
    }

    private static InputStream open(String name, String file) throws IOException {
        InputStream in = BundledModels.class.getResourceAsStream(resource(name, file));
        if (in == null) {
            throw new IOException("the jar has no " + resource(name, file));
        }
        return in;
    }

    private static String resource(String name, String file) {
        return "/models/" + name + "/" + file;
    }

    /**
     * Deletes a folder of the cache and its files, as far as it can.
     *
     * @param dir the folder
     */
    public static void deleteQuietly(Path dir) {
        try (var files = Files.list(dir)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                Files.deleteIfExists(f);
            }
            Files.deleteIfExists(dir);
        } catch (IOException ignored) {
            // a stale staging folder costs disk space only
        }
    }
}
