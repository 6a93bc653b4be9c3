package org.ddimspark.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.List;
import java.util.Set;
import org.apache.spark.sql.SparkSession;
import org.ddimspark.model.BundledModels;
import org.ddimspark.model.InvalidModelException;
import org.ddimspark.model.ModelCard;
import org.ddimspark.storage.RemoteModels;
import org.ddimspark.testing.Models;
import org.ddimspark.testing.S3Server;
import org.junit.jupiter.api.Test;

/**
 * A model on S3 copied the way an executor copies it: with the Hadoop settings of the application (only
 * {@code spark.hadoop.*} of the Spark conf), into the private model cache, verified against the driver's
 * sha256 on every load.
 */
class ExecutorModelCopyTest {

    @Test
    void copiesWithTheApplicationsSettingsVerifiesAndReplacesATamperedCopy() throws Exception {
        try (S3Server s3 = S3Server.start("executor-secret-1234", "models")) {
            Path local = Models.dir("gaussian-eps");
            for (String file : List.of("model.json", "model.pt")) {
                s3.write("models", "eps/" + file, Files.readAllBytes(local.resolve(file)));
            }
            String sha = ModelCard.load(local).sha256();
            String uri = "s3a://models/eps";
            SparkSession.Builder builder = SparkSession.builder().master("local[1]").appName("ExecutorModelCopyTest")
                    .config("spark.ui.enabled", "false");
            s3.settings().forEach((k, v) -> builder.config("spark.hadoop." + k, v));
            SparkSession spark = builder.getOrCreate();
            try {
                Path copy = RemoteModels.localDirectory(uri, sha, ExecutorHadoop::configuration);
                assertTrue(copy.startsWith(BundledModels.cacheRoot()), copy.toString());
                assertTrue(copy.getFileName().toString().startsWith(sha), copy.toString());
                assertEquals(sha, ModelCard.load(copy).sha256());
                assertEquals(Set.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE,
                        PosixFilePermission.OWNER_EXECUTE), Files.getPosixFilePermissions(BundledModels.cacheRoot()));

                // someone swaps the cached file: the next load finds out and copies it again
                Files.write(copy.resolve("model.pt"), new byte[] {1, 2, 3});
                Path again = RemoteModels.localDirectory(uri, sha, ExecutorHadoop::configuration);
                assertEquals(sha, ModelCard.load(again).sha256());

                // the file on S3 changed after the driver hashed it
                String other = "0".repeat(64);
                InvalidModelException changed = assertThrows(InvalidModelException.class,
                        () -> RemoteModels.localDirectory(uri, other, ExecutorHadoop::configuration));
                assertEquals("--model s3a://models/eps: model.pt hashes to " + sha + " on this host, not " + other
                        + " as on the driver: the model changed while the job ran", changed.getMessage());
            } finally {
                spark.stop();
            }
        }
    }
}
