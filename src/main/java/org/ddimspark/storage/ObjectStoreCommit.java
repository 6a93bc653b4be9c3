package org.ddimspark.storage;

import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The commit protocol of an object-store output. Renaming a folder on S3 is a copy of every object, and a
 * task that fails half-way through such a copy leaves half its files visible, so Hadoop's classic
 * committers are neither fast nor safe there. An {@code s3a://} output gets the S3A magic committer:
 * each task writes its files as multipart uploads that are not completed, the job's commit completes them,
 * and a task that fails or is speculated leaves nothing visible. {@code _SUCCESS} is then the committer's
 * JSON manifest. The user keeps any other choice: another S3A committer ({@code fs.s3a.committer.name},
 * e.g. {@code directory}) still gets the commit protocol that binds it, and a commit protocol of the user's
 * own gets nothing added.
 */
public final class ObjectStoreCommit {

    /** The S3A committer to use, and the settings that bind Spark's Parquet writer to it. */
    public static final String COMMITTER = HadoopSettings.PREFIX + "fs.s3a.committer.name";
    /** Spark's commit protocol setting. */
    public static final String PROTOCOL = "spark.sql.sources.commitProtocolClass";
    /** The Parquet committer setting. */
    public static final String PARQUET_COMMITTER = "spark.sql.parquet.output.committer.class";

    private ObjectStoreCommit() {}

    /**
     * Returns the settings to add for the outputs of a job: the magic committer when one of them is on
     * {@code s3a://} and the user chose no committer.
     *
     * @param outputs the job's output URIs
     * @param settings the Spark settings the user gave, already {@link HadoopSettings#normalize normalized}
     * @return the settings to add; empty when there is nothing to add
     */
    public static Map<String, String> defaults(Collection<String> outputs, Map<String, String> settings) {
        Map<String, String> add = new LinkedHashMap<>();
        boolean s3a = outputs.stream().anyMatch(ObjectStoreCommit::isS3a);
        if (!s3a || settings.containsKey(PROTOCOL)) {
            return add;
        }
        add.put(COMMITTER, "magic");
        if ("magic".equals(settings.getOrDefault(COMMITTER, "magic"))) {
            add.put(HadoopSettings.PREFIX + "fs.s3a.committer.magic.enabled", "true");
        }
        add.put(HadoopSettings.PREFIX + "mapreduce.outputcommitter.factory.scheme.s3a",
                "org.apache.hadoop.fs.s3a.commit.S3ACommitterFactory");
        add.put(PROTOCOL, "org.apache.spark.internal.io.cloud.PathOutputCommitProtocol");
        add.put(PARQUET_COMMITTER, "org.apache.spark.internal.io.cloud.BindingParquetOutputCommitter");
        add.keySet().removeAll(settings.keySet());
        return add;
    }

    /**
     * Returns whether a URI is on the S3A file system.
     *
     * @param uri a URI or path
     * @return true for {@code s3a://...}
     */
    public static boolean isS3a(String uri) {
        return "s3a".equals(scheme(uri));
    }

    /**
     * Returns the scheme of a URI, lower case, or null for a plain path.
     *
     * @param uri a URI or path
     * @return the scheme, or null
     */
    public static String scheme(String uri) {
        if (uri == null) {
            return null;
        }
        int colon = uri.indexOf(':');
        // one letter before the colon is a Windows drive, not a scheme
        if (colon < 2 || !uri.substring(0, colon).matches("[A-Za-z][A-Za-z0-9+.-]*")) {
            return null;
        }
        return uri.substring(0, colon).toLowerCase(Locale.ROOT);
    }
}
