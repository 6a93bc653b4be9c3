package org.ddimspark.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.ConnectException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.apache.hadoop.fs.s3a.UnknownStoreException;
import org.apache.hadoop.fs.s3a.auth.NoAwsCredentialsException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StorageProbeTest {

    @TempDir
    Path tmp;

    @Test
    void theMostSpecificCauseInTheChainNamesTheFailure() {
        AccessDeniedException denied = new AccessDeniedException("s3a://b/x", null, "Forbidden");
        assertTrue(StorageProbe.cause(denied).startsWith("access denied (check the credentials) ("));
        AccessDeniedException noKeys = new AccessDeniedException("s3a://b/x");
        noKeys.initCause(new NoAwsCredentialsException("SimpleAWSCredentialsProvider", "No AWS credentials"));
        assertTrue(StorageProbe.cause(noKeys).startsWith("no credentials ("), StorageProbe.cause(noKeys));
        assertTrue(StorageProbe.cause(new UnknownStoreException("s3a://nb/", "bucket does not exist")).startsWith("no such bucket ("));
        IOException dead = new IOException("s3a://b/x: getFileStatus on s3a://b/x: Unable to execute HTTP request:"
                + " Connection refused, Request ID: 12345\nmore", new ConnectException("Connection refused"));
        assertEquals("endpoint unreachable (s3a://b/x: getFileStatus on s3a://b/x: Unable to execute HTTP request:"
                + " Connection refused)", StorageProbe.cause(dead));
        assertEquals("something else", StorageProbe.cause(new IOException("something else\nsecond line")));
    }

    @Test
    void localInputsAndOutputsAreChecked() throws IOException {
        Files.createDirectories(tmp.resolve("in/a"));
        Files.writeString(tmp.resolve("in/a/x.png"), "x");
        try (StorageProbe probe = new StorageProbe(Map.of())) {
            probe.requireInput("--input", tmp.resolve("in").toString());
            probe.requireInput("--input", tmp.resolve("in") + "/*/*.png");
            StorageException missing = assertThrows(StorageException.class,
                    () -> probe.requireInput("--input", tmp.resolve("in") + "/*/*.jpg"));
            assertEquals("--input " + tmp.resolve("in") + "/*/*.jpg: no such file or folder", missing.getMessage());
            assertTrue(probe.probeOutput("--output", tmp.resolve("in").toString()));
            assertFalse(probe.probeOutput("--output", tmp.resolve("out").toString()));
            IllegalArgumentException scheme = assertThrows(IllegalArgumentException.class,
                    () -> probe.probeOutput("--output", "nosuch://x/y"));
            assertEquals("--output nosuch://x/y: no file system for the scheme 'nosuch'", scheme.getMessage());
        }
    }
}
