package org.ddimspark.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.hadoop.conf.Configuration;
import org.gaul.s3proxy.AuthenticationType;
import org.gaul.s3proxy.S3Proxy;
import org.jclouds.ContextBuilder;
import org.jclouds.blobstore.BlobStore;
import org.jclouds.blobstore.BlobStoreContext;
import org.jclouds.blobstore.domain.StorageMetadata;
import org.jclouds.blobstore.options.ListContainerOptions;

/**
 * A real S3 server in the test JVM: S3Proxy over an in-memory blob store, on a free loopback port, with one
 * access key and secret. {@link #settings()} are the S3A settings a job needs to reach it.
 */
public final class S3Server implements AutoCloseable {

    /** The access key id the server accepts. */
    public static final String ACCESS_KEY = "AKIDDIMSPARKTEST";

    private final String secret;
    private final BlobStoreContext context;
    private final int port;
    private S3Proxy proxy;

    private S3Server(String secret, S3Proxy proxy, BlobStoreContext context) {
        this.secret = secret;
        this.proxy = proxy;
        this.context = context;
        this.port = proxy.getPort();
    }

    /**
     * Starts a server that accepts {@link #ACCESS_KEY} with this secret.
     *
     * @param secret the secret access key
     * @param buckets the buckets to create
     * @return the running server
     */
    public static S3Server start(String secret, String... buckets) throws Exception {
        Properties properties = new Properties();
        properties.setProperty("jclouds.filesystem.basedir", "unused");
        BlobStoreContext context = ContextBuilder.newBuilder("transient").credentials("identity", "credential")
                .overrides(properties).build(BlobStoreContext.class);
        for (String bucket : buckets) {
            context.getBlobStore().createContainerInLocation(null, bucket);
        }
        S3Proxy proxy = proxy(context, secret, 0);
        return new S3Server(secret, proxy, context);
    }

    private static S3Proxy proxy(BlobStoreContext context, String secret, int port) throws Exception {
        S3Proxy proxy = S3Proxy.builder().blobStore(context.getBlobStore())
                .endpoint(URI.create("http://127.0.0.1:" + port))
                .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, ACCESS_KEY, secret)
                .build();
        proxy.start();
        long deadline = System.currentTimeMillis() + 10_000;
        while (!"STARTED".equals(proxy.getState())) {
            if (System.currentTimeMillis() > deadline) {
                throw new IllegalStateException("S3Proxy did not start: " + proxy.getState());
            }
            Thread.sleep(20);
        }
        return proxy;
    }

    /** Stops serving, as an outage would: connections are refused until {@link #restart()}; objects stay. */
    public synchronized void pause() throws Exception {
        proxy.stop();
    }

    /** Serves again, on the same port and with the same objects, after {@link #pause()}. */
    public synchronized void restart() throws Exception {
        proxy = proxy(context, secret, port);
    }

    /** Returns the endpoint, e.g. {@code http://127.0.0.1:41234}. */
    public String endpoint() {
        return "http://127.0.0.1:" + port;
    }

    /**
     * Returns the Hadoop settings that reach this server, as a job's {@code --conf fs.s3a.*} would give them.
     *
     * @return the settings, the credentials included
     */
    public Map<String, String> settings() {
        Map<String, String> s = new LinkedHashMap<>();
        s.put("fs.s3a.endpoint", endpoint());
        s.put("fs.s3a.endpoint.region", "us-east-1");
        s.put("fs.s3a.path.style.access", "true");
        s.put("fs.s3a.connection.ssl.enabled", "false");
        s.put("fs.s3a.aws.credentials.provider", "org.apache.hadoop.fs.s3a.SimpleAWSCredentialsProvider");
        s.put("fs.s3a.access.key", ACCESS_KEY);
        s.put("fs.s3a.secret.key", secret);
        // Hadoop's file system cache outlives a Spark session: each test gets clients of its own
        s.put("fs.s3a.impl.disable.cache", "true");
        return s;
    }

    /** Returns {@link #settings()} as {@code --conf KEY=VALUE} arguments. */
    public List<String> confArgs() {
        List<String> args = new ArrayList<>();
        settings().forEach((k, v) -> {
            args.add("--conf");
            args.add(k + "=" + v);
        });
        return args;
    }

    /** Returns a Hadoop configuration with {@link #settings()}. */
    public Configuration hadoop() {
        Configuration conf = new Configuration();
        settings().forEach(conf::set);
        return conf;
    }

    /** Returns the keys of every object in a bucket. */
    public List<String> keys(String bucket) {
        List<String> keys = new ArrayList<>();
        BlobStore store = context.getBlobStore();
        String marker = null;
        do {
            ListContainerOptions options = ListContainerOptions.Builder.recursive();
            if (marker != null) {
                options.afterMarker(marker);
            }
            var page = store.list(bucket, options);
            for (StorageMetadata m : page) {
                if (m.getType() == org.jclouds.blobstore.domain.StorageType.BLOB) {
                    keys.add(m.getName());
                }
            }
            marker = page.getNextMarker();
        } while (marker != null);
        return keys;
    }

    /** Returns the bytes of an object. */
    public byte[] read(String bucket, String key) {
        try (InputStream in = context.getBlobStore().getBlob(bucket, key).getPayload().openStream()) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            in.transferTo(out);
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Stores an object. */
    public void write(String bucket, String key, byte[] bytes) {
        BlobStore store = context.getBlobStore();
        store.putBlob(bucket, store.blobBuilder(key).payload(bytes).contentLength(bytes.length).build());
    }

    @Override
    public void close() throws Exception {
        proxy.stop();
        context.close();
    }
}
