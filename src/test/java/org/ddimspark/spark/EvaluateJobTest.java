package org.ddimspark.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.ddimspark.evaluation.EvaluationReport;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** evaluate on real Fashion-MNIST test images laid out as a sample job's output. */
class EvaluateJobTest {

    private static SparkSession spark;

    @TempDir
    static Path tmp;

    @BeforeAll
    static void start() {
        spark = SparkSession.builder().master("local[2]").appName("EvaluateJobTest")
                .config("spark.ui.enabled", "false").getOrCreate();
    }

    @AfterAll
    static void stop() {
        spark.stop();
    }

    @Test
    void classifiesRealTestImagesAndSkipsErrorRows() throws IOException, URISyntaxException {
        Path dir = Path.of(EvaluateJobTest.class.getResource("/fashion-mnist/labels.csv").toURI()).getParent();
        List<Row> rows = new ArrayList<>();
        for (String line : Files.readAllLines(dir.resolve("labels.csv")).subList(1, 21)) {
            String[] parts = line.split(",");
            byte[] png = Files.readAllBytes(dir.resolve(parts[0]));
            rows.add(row(parts[0], Integer.parseInt(parts[1]), png, "ok"));
        }
        rows.add(row("broken", 3, null, "error"));
        String input = tmp.resolve("real").toString();
        spark.createDataFrame(rows, OutputSchema.SAMPLE).write().parquet(input);

        EvaluationReport report = EvaluateJob.run(spark, input, "fashion-mnist-classifier", 7, null);
        assertEquals(20, report.images(), "the error row is skipped");
        assertEquals(20, report.conditioned());
        assertTrue(report.accuracy() >= 0.85, "accuracy on real test images " + report.accuracy());
        assertTrue(report.fid() > 0 && Double.isFinite(report.fid()), "fid " + report.fid());
        assertEquals(10000, report.referenceImages());
        assertEquals(List.of("real@sha256:0 (steps=1)"), report.runs());
        assertTrue(Files.exists(tmp.resolve("real").resolve(EvaluationReport.FILE)));
    }

    private static Row row(String id, int label, byte[] png, String status) {
        return RowFactory.create(id, 0L, label, 1, 0.0, 1.0, "uniform", "steps=1", "real@sha256:0", new float[] {0f},
                new int[] {1, 1, 1}, png == null ? null : RowFactory.create(png, id), null, status,
                png == null ? "broken" : null);
    }
}
