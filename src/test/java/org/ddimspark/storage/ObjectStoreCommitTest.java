package org.ddimspark.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ObjectStoreCommitTest {

    @Test
    void anS3aOutputGetsTheMagicCommitterUnlessTheUserChoseACommitProtocol() {
        Map<String, String> magic = ObjectStoreCommit.defaults(List.of("s3a://b/out"), Map.of());
        assertEquals("magic", magic.get("spark.hadoop.fs.s3a.committer.name"));
        assertEquals("true", magic.get("spark.hadoop.fs.s3a.committer.magic.enabled"));
        assertEquals("org.apache.spark.internal.io.cloud.PathOutputCommitProtocol",
                magic.get("spark.sql.sources.commitProtocolClass"));
        assertEquals("org.apache.spark.internal.io.cloud.BindingParquetOutputCommitter",
                magic.get("spark.sql.parquet.output.committer.class"));

        // another S3A committer keeps its name and still gets the protocol that binds it
        Map<String, String> directory = ObjectStoreCommit.defaults(List.of("s3a://b/out"),
                Map.of("spark.hadoop.fs.s3a.committer.name", "directory"));
        assertNull(directory.get("spark.hadoop.fs.s3a.committer.name"));
        assertNull(directory.get("spark.hadoop.fs.s3a.committer.magic.enabled"));
        assertTrue(directory.containsKey("spark.sql.sources.commitProtocolClass"));

        assertTrue(ObjectStoreCommit.defaults(List.of("s3a://b/out"),
                Map.of("spark.sql.sources.commitProtocolClass", "my.Protocol")).isEmpty());
        assertTrue(ObjectStoreCommit.defaults(List.of("/tmp/out", "hdfs://nn/out"), Map.of()).isEmpty());
        assertTrue(ObjectStoreCommit.defaults(List.of(), Map.of()).isEmpty());
    }

    @Test
    void schemes() {
        assertEquals("s3a", ObjectStoreCommit.scheme("S3A://bucket/x"));
        assertEquals("file", ObjectStoreCommit.scheme("file:/tmp/x"));
        assertNull(ObjectStoreCommit.scheme("/tmp/x"));
        assertNull(ObjectStoreCommit.scheme("models/x:y"));
        assertNull(ObjectStoreCommit.scheme("C:\\models"));
        assertNull(ObjectStoreCommit.scheme("fashion-mnist-flow"));
    }
}
