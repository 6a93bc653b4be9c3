package org.ddimspark.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.ddimspark.model.DeviceChoice;
import org.ddimspark.model.InvalidModelException;
import org.ddimspark.model.ModelCard;
import org.ddimspark.model.TorchScriptModel;
import org.ddimspark.sampling.SamplerOptions;
import org.ddimspark.testing.Models;
import org.ddimspark.testing.RelativeError;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIf;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The sample job with {@code --device gpu} against {@code --device cpu} on the closed-form models: the same
 * rows within 1e-5, the model loaded once onto GPU 0, and the time of each printed. Runs where the PyTorch
 * engine sees a GPU (a CUDA libtorch: {@code jobs/gpu-check.sh}); skipped elsewhere.
 */
@EnabledIf("engineHasGpu")
class GpuJobsTest {

    private static SparkSession spark;

    @TempDir
    static Path tmp;

    static boolean engineHasGpu() {
        return TorchScriptModel.engineGpus() > 0;
    }

    @BeforeAll
    static void start() {
        spark = SparkSession.builder().master("local[2]").appName("GpuJobsTest").config("spark.ui.enabled", "false")
                .getOrCreate();
    }

    @AfterAll
    static void stop() {
        spark.stop();
    }

    @ParameterizedTest
    @ValueSource(strings = {"gaussian-eps", "gaussian-v", "gaussian-x0-cond", "gaussian-flow-cond", "gaussian-latent",
            "gaussian-embedding", "gaussian-pooled"})
    void theGpuGivesTheCpusRowsWithin1e5(String name) {
        ModelCard card = ModelCard.load(Models.dir(name));
        SampleJobOptions cpu = SampleJobOptions.builder().setModel(Models.dir(name).toString())
                .setOutput(tmp.resolve(name + "-cpu").toString()).optCount(256).optBatchSize(64).optSaveSample(true)
                .optClassMode(card.isConditional() ? ClassMode.all() : ClassMode.NONE)
                .optSampler(SamplerOptions.builder().setSteps(50).optEta(0.3).build()).optDevice(DeviceChoice.CPU).build();
        SampleJobOptions gpu = cpu.toBuilder().setOutput(tmp.resolve(name + "-gpu").toString())
                .optDevice(DeviceChoice.GPU).build();
        RunReport onCpu = SampleJob.run(spark, cpu, card);
        RunReport onGpu = SampleJob.run(spark, gpu, card);
        assertEquals(Map.of("driver/gpu0", 1), onGpu.modelLoads());
        Map<String, Row> expected = byId(name + "-cpu");
        Map<String, Row> actual = byId(name + "-gpu");
        assertEquals(expected.keySet(), actual.keySet());
        double worst = 0;
        for (String id : expected.keySet()) {
            worst = Math.max(worst, RelativeError.of(floats(actual.get(id)), floats(expected.get(id))));
        }
        System.out.printf("%s: 256 samples of 50 steps, cpu %.2f s, gpu %.2f s, relative difference %.2e%n", name,
                onCpu.stages().get("sample_and_write"), onGpu.stages().get("sample_and_write"), worst);
        assertTrue(worst < 1e-5, name + ": relative difference " + worst);
    }

    @Test
    void aModelTracedWithTensorsFixedOnTheCpuFailsItsGpuLoadInOneLine() {
        // traced-sinusoidal's graph holds torch.arange(8, device=cpu): on a GPU its first forward fails
        Path dir = Models.dir("traced-sinusoidal");
        InvalidModelException e = assertThrows(InvalidModelException.class,
                () -> SharedModels.get(dir.toString(), ModelCard.load(dir).sha256(), Device.gpu(0)));
        assertTrue(e.getMessage().contains("a tensor in its graph is fixed on another device"), e.getMessage());
        assertEquals(-1, e.getMessage().indexOf('\n'), e.getMessage());
    }

    private static Map<String, Row> byId(String output) {
        Map<String, Row> rows = new HashMap<>();
        for (Row r : spark.read().parquet(tmp.resolve(output).toString()).collectAsList()) {
            rows.put(r.getAs("id"), r);
        }
        return rows;
    }

    private static float[] floats(Row r) {
        List<Float> values = r.getList(r.fieldIndex("sample"));
        float[] f = new float[values.size()];
        for (int i = 0; i < f.length; i++) {
            f[i] = values.get(i);
        }
        return f;
    }
}
