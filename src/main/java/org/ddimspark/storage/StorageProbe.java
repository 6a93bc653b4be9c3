package org.ddimspark.storage;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.nio.file.AccessDeniedException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.UnsupportedFileSystemException;

/**
 * The checks a job's URIs pass on the driver before Spark starts, so that a wrong scheme, a missing bucket,
 * refused credentials or an unreachable endpoint fail in one line within seconds instead of after the
 * session starts or after minutes of retries. The probe uses its own file system instances with few
 * retries (the job's keep the user's retry settings) and closes them.
 */
public final class StorageProbe implements AutoCloseable {

    /** The probe's S3A retry settings, unless the user set them: a dead endpoint fails in seconds. */
    private static final Map<String, String> FAST_FAILURE = Map.of(
            "fs.s3a.attempts.maximum", "1",
            "fs.s3a.retry.limit", "1",
            "fs.s3a.retry.interval", "200ms",
            "fs.s3a.connection.establish.timeout", "15s",
            "fs.s3a.connection.timeout", "20s");

    private final Configuration conf;
    private final List<FileSystem> opened = new ArrayList<>();

    /**
     * Creates a probe.
     *
     * @param sparkSettings the job's settings, {@link HadoopSettings#normalize normalized}; their Hadoop part
     *     wins over the probe's retry settings
     */
    public StorageProbe(Map<String, String> sparkSettings) {
        this.conf = new Configuration();
        FAST_FAILURE.forEach(conf::set);
        HadoopSettings.hadoopPart(sparkSettings).forEach(conf::set);
    }

    /**
     * Returns the probe's Hadoop configuration: the job's, with few retries unless the user set them. Open
     * file systems with it through {@code FileSystem.newInstance} and close them, so that they do not stay in
     * Hadoop's cache for the job.
     *
     * @return the configuration
     */
    public Configuration configuration() {
        return conf;
    }

    /**
     * Checks that an input exists: a folder, a file, or a glob that matches something.
     *
     * @param option the option that gave it, for the message
     * @param uri the input
     * @throws IllegalArgumentException when its scheme has no file system
     * @throws StorageException when it does not exist or cannot be reached
     */
    public void requireInput(String option, String uri) {
        Path path = new Path(uri);
        FileSystem fs = open(option, uri);
        try {
            FileStatus[] matches = fs.globStatus(path);
            if (matches == null || matches.length == 0) {
                throw new StorageException(option + " " + HadoopSettings.withoutUserInfo(uri) + ": no such file or folder",
                        new FileNotFoundException(uri));
            }
        } catch (IOException e) {
            throw failure(option, uri, e);
        }
    }

    /**
     * Checks that an output's file system answers and tells whether the output exists.
     *
     * @param option the option that gave it, for the message
     * @param uri the output
     * @return whether something exists at the URI
     * @throws IllegalArgumentException when its scheme has no file system
     * @throws StorageException when it cannot be reached
     */
    public boolean probeOutput(String option, String uri) {
        FileSystem fs = open(option, uri);
        try {
            return fs.exists(new Path(uri));
        } catch (IOException e) {
            throw failure(option, uri, e);
        }
    }

    private FileSystem open(String option, String uri) {
        Path path = new Path(uri);
        try {
            FileSystem fs = FileSystem.newInstance(path.toUri(), conf);
            opened.add(fs);
            return fs;
        } catch (UnsupportedFileSystemException e) {
            throw new IllegalArgumentException(option + " " + HadoopSettings.withoutUserInfo(uri)
                    + ": no file system for the scheme '" + path.toUri().getScheme() + "'");
        } catch (IOException e) {
            throw failure(option, uri, e);
        }
    }

    /**
     * Returns the one-line exception for a file system's failure on a URI.
     *
     * @param option the option that gave the URI
     * @param uri the URI
     * @param e the failure
     * @return the exception to throw
     */
    public static StorageException failure(String option, String uri, IOException e) {
        return new StorageException(option + " " + HadoopSettings.withoutUserInfo(uri) + ": " + cause(e), e);
    }

    /**
     * Returns what went wrong, in words: the kind of failure, then the file system's own first line.
     *
     * @param e the failure
     * @return one line
     */
    public static String cause(Throwable e) {
        // the most specific kind anywhere in the chain: S3A wraps "no credentials" in an access denied
        List<String> kinds = new ArrayList<>();
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            kinds.add(kind(t));
        }
        String first = firstLine(e);
        for (String kind : KINDS) {
            if (kinds.contains(kind)) {
                return kind + " (" + first + ")";
            }
        }
        return first;
    }

    private static final String NO_CREDENTIALS = "no credentials (set fs.s3a.access.key and fs.s3a.secret.key, "
            + "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, a profile or an instance role)";
    private static final String NO_BUCKET = "no such bucket";
    private static final String DENIED = "access denied (check the credentials)";
    private static final String UNREACHABLE = "endpoint unreachable";
    private static final String TIMED_OUT = "endpoint timed out";
    /** The kinds of failure, most specific first. */
    private static final List<String> KINDS = List.of(NO_CREDENTIALS, NO_BUCKET, DENIED, UNREACHABLE, TIMED_OUT);

    private static String kind(Throwable t) {
        String type = t.getClass().getSimpleName();
        if (type.equals("NoAuthWithAWSException") || type.equals("NoAwsCredentialsException")) {
            return NO_CREDENTIALS;
        }
        if (type.equals("UnknownStoreException")) {
            return NO_BUCKET;
        }
        if (t instanceof AccessDeniedException || type.equals("AWSStatus403Exception")) {
            return DENIED;
        }
        if (t instanceof ConnectException || t instanceof UnknownHostException || t instanceof NoRouteToHostException
                || t instanceof SocketTimeoutException || type.equals("ConnectTimeoutException")
                || type.equals("HttpHostConnectException")) {
            return UNREACHABLE;
        }
        if (t instanceof InterruptedIOException && type.equals("AWSApiCallTimeoutException")) {
            return TIMED_OUT;
        }
        return null;
    }

    private static String firstLine(Throwable e) {
        String message = e.getMessage();
        if (message == null || message.isBlank()) {
            return e.getClass().getSimpleName();
        }
        String line = message.lines().filter(s -> !s.isBlank()).findFirst().orElse("").trim();
        // the SDK's messages end with long request ids; keep what a user reads
        int ids = line.toLowerCase(Locale.ROOT).indexOf(", request id");
        if (ids < 0) {
            return line;
        }
        String kept = line.substring(0, ids);
        boolean open = kept.lastIndexOf('(') > kept.lastIndexOf(')');
        return open ? kept + ")" : kept;
    }

    @Override
    public void close() {
        for (FileSystem fs : opened) {
            try {
                fs.close();
            } catch (IOException ignored) {
                // a probe's file system holds no data
            }
        }
        opened.clear();
    }
}
