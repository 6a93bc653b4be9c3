package org.ddimspark.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class HadoopSettingsTest {

    @Test
    void aKeyWithoutSparkIsAHadoopSettingAndTheLaterOfTwoNamesWins() {
        Map<String, String> given = new LinkedHashMap<>();
        given.put("fs.s3a.endpoint", "http://a");
        given.put("spark.executor.memory", "4g");
        given.put("spark.hadoop.fs.s3a.endpoint", "http://b");
        given.put(" parquet.block.size ", "1024");
        Map<String, String> settings = HadoopSettings.normalize(given);
        assertEquals(Map.of("spark.hadoop.fs.s3a.endpoint", "http://b", "spark.executor.memory", "4g",
                "spark.hadoop.parquet.block.size", "1024"), settings);
        assertEquals("http://b", HadoopSettings.configuration(settings).get("fs.s3a.endpoint"));
        assertEquals("1024", HadoopSettings.configuration(settings).get("parquet.block.size"));
        assertThrows(IllegalArgumentException.class, () -> HadoopSettings.normalize(Map.of(" ", "x")));
    }

    @Test
    void secretsAreNeverPrintable() {
        for (String key : List.of("spark.hadoop.fs.s3a.secret.key", "fs.s3a.access.key", "fs.s3a.session.token",
                "fs.azure.account.key.x", "spark.ssl.keyPassword", "fs.s3a.encryption.key", "hadoop.security.credential.provider.path")) {
            assertTrue(HadoopSettings.isSecret(key), key);
            assertEquals(HadoopSettings.REDACTED, HadoopSettings.printable(key, "value"));
        }
        assertFalse(HadoopSettings.isSecret("fs.s3a.endpoint"));
        assertEquals("s3a://bucket/x", HadoopSettings.printable("output", "s3a://AKID:SECRET@bucket/x"));
        assertEquals("see s3a://b/x and hdfs://nn:8020/y", HadoopSettings.withoutUserInfo("see s3a://k:s@b/x and hdfs://u@nn:8020/y"));
    }
}
