package org.ddimspark.spark;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocatedFileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RemoteIterator;
import org.ddimspark.storage.StorageProbe;

/**
 * The files of an input folder or glob. Their ids: each file's path relative to the input's root (the folder
 * given, or the part of a glob before its first wildcard), for example {@code shirts/0001.png}, so a rerun on
 * the same tree gives the same ids wherever the tree is mounted. And the zero-byte files, which Spark's file
 * listing drops, found by a listing of their own so that each still gets its error row.
 */
final class InputFiles {

    private InputFiles() {}

    /**
     * Returns the fully qualified root of an input folder or glob, without a trailing slash.
     *
     * @param input the {@code --input} value
     * @param conf the Hadoop configuration that resolves it
     * @return the fully qualified root, as Hadoop writes a path (not URI-encoded)
     */
    static String root(String input, Configuration conf) {
        Path path = new Path(input);
        Path root = path;
        for (Path p = path; p != null; p = p.getParent()) {
            if (hasWildcard(p.getName())) {
                root = p.getParent();
            }
        }
        try {
            Path qualified = root.getFileSystem(conf).makeQualified(root);
            return strip(qualified.toString());
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("cannot resolve " + input, e);
        }
    }

    /**
     * Returns the id of one file.
     *
     * @param root {@link #root}
     * @param path the file's path as Spark's binaryFile source gives it
     * @return the path relative to the root, or the file name when the input was the file itself
     */
    static String of(String root, String path) {
        String file = strip(new Path(path).toString());
        if (file.startsWith(root + "/")) {
            return file.substring(root.length() + 1);
        }
        return file.substring(file.lastIndexOf('/') + 1);
    }

    /**
     * Lists the zero-byte files an input folder or glob holds, skipping hidden names (starting with '.' or
     * '_') as Spark's listing does.
     *
     * @param input the {@code --input} value
     * @param conf the Hadoop configuration that resolves it
     * @return their fully qualified paths, as Spark's binaryFile source writes paths
     * @throws IOException when the file system cannot be listed
     */
    static List<String> empty(String input, Configuration conf) throws IOException {
        Path pattern = new Path(input);
        FileSystem fs = pattern.getFileSystem(conf);
        FileStatus[] matches = fs.globStatus(pattern);
        List<String> empty = new ArrayList<>();
        if (matches == null) {
            return empty;
        }
        for (FileStatus match : matches) {
            if (match.isDirectory()) {
                Path base = fs.makeQualified(match.getPath());
                RemoteIterator<LocatedFileStatus> files = fs.listFiles(base, true);
                while (files.hasNext()) {
                    LocatedFileStatus file = files.next();
                    if (file.getLen() == 0 && !hidden(base, fs.makeQualified(file.getPath()))) {
                        empty.add(fs.makeQualified(file.getPath()).toString());
                    }
                }
            } else if (match.getLen() == 0 && !isHidden(match.getPath().getName())) {
                empty.add(fs.makeQualified(match.getPath()).toString());
            }
        }
        return empty;
    }

    /** Whether any name between {@code base} (excluded) and {@code file} is hidden. */
    private static boolean hidden(Path base, Path file) {
        for (Path p = file; p != null && !p.equals(base); p = p.getParent()) {
            if (isHidden(p.getName())) {
                return true;
            }
        }
        return false;
    }

    /**
     * A listed file's content, or why it was not read.
     *
     * @param path the file's path
     * @param bytes its content, or null
     * @param error the one-line reason it was not read, or null
     */
    record Content(String path, byte[] bytes, String error) {}

    /** Reads listed files in tasks, counting the files and bytes read into two accumulators. */
    static final class Reads implements java.io.Serializable {

        private static final long serialVersionUID = 1L;

        private final org.apache.spark.util.LongAccumulator files;
        private final org.apache.spark.util.LongAccumulator bytes;

        Reads(org.apache.spark.util.LongAccumulator files, org.apache.spark.util.LongAccumulator bytes) {
            this.files = files;
            this.bytes = bytes;
        }

        /**
         * Returns a reader of a task's files, which share one file system client (the input root's).
         *
         * @param conf the Hadoop configuration
         * @param root the input's root ({@link InputFiles#root})
         * @return the reader
         */
        Reader reader(Configuration conf, String root) {
            return new Reader(this, conf, root);
        }
    }

    /** Reads the files of one task. */
    static final class Reader {

        private final Reads reads;
        private final Configuration conf;
        private final String root;
        private FileSystem fs;

        private Reader(Reads reads, Configuration conf, String root) {
            this.reads = reads;
            this.conf = conf;
            this.root = root;
        }

        /**
         * Reads one file, unless its listed length is above the cap: a stray 3 GB video becomes an error row
         * without being opened.
         *
         * @param path the file
         * @param length its length as listed
         * @param maxBytes the largest file read
         * @return its content, or the reason it was not read
         */
        Content read(String path, long length, long maxBytes) {
            if (length == 0) {
                // listed empty: nothing to open, the decoder names the reason
                return new Content(path, new byte[0], null);
            }
            if (length > maxBytes) {
                return new Content(path, null, "too large: " + length + " bytes (--max-bytes " + maxBytes + ")");
            }
            Path file = new Path(path);
            try {
                if (fs == null) {
                    fs = new Path(root).getFileSystem(conf);
                }
            } catch (IOException e) {
                return new Content(path, null, "cannot read: " + StorageProbe.cause(e));
            }
            try (java.io.InputStream in = fs.open(file)) {
                reads.files.add(1);
                byte[] content = in.readNBytes((int) Math.min(maxBytes + 1, Integer.MAX_VALUE - 16));
                reads.bytes.add(content.length);
                if (content.length > maxBytes) {
                    return new Content(path, null, "too large: more than " + maxBytes + " bytes (--max-bytes " + maxBytes
                            + "; the file grew after it was listed)");
                }
                return new Content(path, content, null);
            } catch (IOException e) {
                return new Content(path, null, "cannot read: " + StorageProbe.cause(e));
            }
        }
    }

    private static boolean isHidden(String name) {
        return name.startsWith(".") || name.startsWith("_");
    }

    private static String strip(String uri) {
        return uri.endsWith("/") ? uri.substring(0, uri.length() - 1) : uri;
    }

    private static boolean hasWildcard(String name) {
        return name.indexOf('*') >= 0 || name.indexOf('?') >= 0 || name.indexOf('[') >= 0 || name.indexOf('{') >= 0;
    }
}
