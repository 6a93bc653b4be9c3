package org.ddimspark.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.ddimspark.schedule.ScheduleKind;
import org.ddimspark.schedule.TimestepInput;
import org.ddimspark.testing.Models;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelCardTest {

    private static final String SHA = "0".repeat(64);
    private static final String GOOD = "{\"name\": \"m\", \"prediction\": \"epsilon\", \"schedule\": " + Models.LINEAR
            + ", \"timestep_input\": \"index\", \"sample_shape\": [1, 28, 28], \"value_range\": [-1, 1],"
            + " \"num_classes\": 2, \"class_names\": [\"a\", \"b\"], \"guidance\": 3.0}";

    @TempDir
    Path tmp;

    @Test
    void loadsATestModelAndChecksItsSha256() {
        ModelCard card = ModelCard.load(Models.dir("gaussian-x0-cond"));
        assertEquals("gaussian-x0-cond", card.name());
        assertEquals(PredictionType.SAMPLE, card.prediction());
        assertEquals(ScheduleKind.SCALED_LINEAR, card.schedule().kind());
        assertEquals(TimestepInput.INDEX, card.timestepInput());
        assertEquals(3 * 8 * 8, card.sampleSize());
        assertEquals(3, card.numClasses());
        assertEquals(2.0, card.guidance());
        assertTrue(card.reference().startsWith("gaussian-x0-cond@sha256:"));
        assertEquals(64, card.sha256().length());
    }

    @Test
    void parsesDefaults() {
        ModelCard card = ModelCard.parse(GOOD.replace(", \"guidance\": 3.0", ""), SHA);
        assertEquals(1.0, card.guidance());
        ModelCard flow = ModelCard.parse("{\"name\": \"f\", \"prediction\": \"flow_velocity\", \"schedule\": {\"kind\": \"rectified_flow\"},"
                + " \"timestep_input\": \"unit\", \"sample_shape\": [3, 4, 4], \"value_range\": [0, 1]}", SHA);
        assertFalse(flow.isConditional());
        assertEquals(1000, flow.schedule().trainTimesteps());
    }

    @Test
    void eachBadFieldIsAOneLineErrorNamingIt() {
        assertError("model.json: field 'name' is missing", GOOD.replace("\"name\": \"m\", ", ""));
        assertError("model.json: field 'prediction': unknown prediction 'noise' (expected one of epsilon, v_prediction, sample, flow_velocity)",
                GOOD.replace("\"epsilon\"", "\"noise\""));
        assertError("model.json: field 'schedule.kind': unknown schedule kind 'sigmoid' (expected one of linear, scaled_linear, cosine, rectified_flow)",
                GOOD.replace("\"linear\"", "\"sigmoid\""));
        assertError("model.json: prediction 'flow_velocity' does not fit schedule 'linear' (flow_velocity goes with rectified_flow, and only with it)",
                GOOD.replace("\"epsilon\"", "\"flow_velocity\""));
        assertError("model.json: a linear schedule needs 'schedule.beta_start' and 'schedule.beta_end'",
                GOOD.replace("\"beta_start\": 0.0001, ", ""));
        assertError("model.json: field 'timestep_input': unknown timestep_input 'seconds' (expected index or unit)",
                GOOD.replace("\"index\"", "\"seconds\""));
        assertError("model.json: field 'sample_shape' must be [C, H, W] with positive sizes, got [28, 28]",
                GOOD.replace("[1, 28, 28]", "[28, 28]"));
        assertError("model.json: field 'sample_shape': images need 1, 3 or 4 channels, got 2",
                GOOD.replace("[1, 28, 28]", "[2, 28, 28]"));
        assertError("model.json: field 'value_range' must be [low, high] with low < high, got [1.0, -1.0]",
                GOOD.replace("[-1, 1]", "[1, -1]"));
        assertError("model.json: field 'class_names' has 2 names for num_classes = 3",
                GOOD.replace("\"num_classes\": 2", "\"num_classes\": 3"));
        assertError("model.json: field 'guidance' needs a class-conditional model (num_classes > 0)",
                GOOD.replace("\"num_classes\": 2, \"class_names\": [\"a\", \"b\"], ", ""));
        assertError("model.json has a field of the wrong type: java.lang.NumberFormatException: For input string: \"many\"",
                GOOD.replace("\"num_classes\": 2", "\"num_classes\": \"many\""));
        assertError("model.json must hold a JSON object", "[1, 2]");
        // sizes are bounded before anything is allocated, and their products never overflow an int
        assertError("model.json: field 'sample_shape' [3, 100000, 100000] is too large: at most 16384 a side and 16777216 values",
                GOOD.replace("[1, 28, 28]", "[3, 100000, 100000]"));
        assertError("model.json: field 'sample_shape' [4, 4096, 4096] is too large: at most 16384 a side and 16777216 values",
                GOOD.replace("[1, 28, 28]", "[4, 4096, 4096]"));
        assertError("model.json: field 'schedule': num_train_timesteps must be in 1..1000000, got 2000000000",
                GOOD.replace("\"num_train_timesteps\": 1000", "\"num_train_timesteps\": 2000000000"));
        assertError("model.json: field 'forward_batch' must be in 1..65536 with 2 x forward_batch x C x H x W at most "
                + "268435456, got 1000000", GOOD.replace("{", "{\"forward_batch\": 1000000, "));
        ModelCard card = ModelCard.parse(GOOD.replace("[1, 28, 28]", "[4, 1024, 1024]"), SHA);
        assertEquals("--batch-size must be in 1..32 for 'm' (2 x rows x C x H x W at most 268435456 values), got 33",
                assertThrows(IllegalArgumentException.class, () -> card.requireBatchFits(33)).getMessage());
        card.requireBatchFits(32);
        assertTrue(assertThrows(InvalidModelException.class, () -> ModelCard.parse("{\"name\": ", SHA))
                .getMessage().startsWith("model.json is not valid JSON: "));
    }

    @Test
    void aModelFileThatIsNotTheCardsIsRejected() throws IOException {
        Path dir = copy("gaussian-eps");
        Files.write(dir.resolve("model.pt"), new byte[] {1, 2, 3});
        String message = assertThrows(InvalidModelException.class, () -> ModelCard.load(dir)).getMessage();
        String expectedSha = ModelCard.load(Models.dir("gaussian-eps")).sha256();
        // sha256 of the bytes 01 02 03
        assertEquals("model.json: field 'sha256' is " + expectedSha + " but model.pt hashes to "
                + "039058c6f2c0cb492c533b0a4d14ef77cc0f78abccced5287d84a1a2011cfb81: the directory holds another model"
                + " than its card describes", message);
        assertFalse(message.contains("\n"));
    }

    @Test
    void missingFilesAreNamed() throws IOException {
        assertEquals("model directory " + tmp.resolve("nothing") + " does not exist",
                assertThrows(InvalidModelException.class, () -> ModelCard.load(tmp.resolve("nothing"))).getMessage());
        Path noCard = copy("gaussian-eps");
        Files.delete(noCard.resolve("model.json"));
        assertEquals(noCard + " has no model.json (the model card)",
                assertThrows(InvalidModelException.class, () -> ModelCard.load(noCard)).getMessage());
        Path noModel = copy("gaussian-v");
        Files.delete(noModel.resolve("model.pt"));
        assertEquals(noModel + " has no model.pt (the TorchScript model)",
                assertThrows(InvalidModelException.class, () -> ModelCard.load(noModel)).getMessage());
    }

    @Test
    void aLatentModelNamesItsDecoderAndEncoderAndTheirFactors() throws IOException {
        ModelCard card = ModelCard.load(Models.dir("gaussian-latent"));
        ModelCard.LatentSpace latent = card.latent();
        assertArrayEquals(new int[] {4, 4, 4}, card.sampleShape());
        assertArrayEquals(new int[] {1, 8, 8}, card.imageShape());
        assertEquals(2.0, latent.scale());
        assertEquals(0.25, latent.shift());
        assertEquals(List.of("model.json", "model.pt", "decoder.pt", "encoder.pt"), card.files());
        assertNull(ModelCard.load(Models.dir("gaussian-eps")).latent());
        assertArrayEquals(new int[] {1, 16, 16}, ModelCard.load(Models.dir("gaussian-eps")).imageShape());

        String latentCard = "{\"name\": \"m\", \"prediction\": \"flow_velocity\", \"schedule\": {\"kind\": \"rectified_flow\"},"
                + " \"timestep_input\": \"index\", \"sample_shape\": [16, 4, 4], \"value_range\": [-1, 1], \"latent\": %s}";
        // defaults: scale 1, shift 0, decoder.pt, no encoder; a latent may have any number of channels
        ModelCard defaults = ModelCard.parse(String.format(latentCard, "{\"image_shape\": [3, 32, 32]}"), SHA);
        assertEquals(1.0, defaults.latent().scale());
        assertEquals(0.0, defaults.latent().shift());
        assertEquals("decoder.pt", defaults.latent().decoder());
        assertNull(defaults.latent().encoder());
        assertArrayEquals(new int[] {16, 4, 4}, defaults.sampleShape());
        assertEquals(List.of("model.json", "model.pt", "decoder.pt"), defaults.files());
        assertError("model.json: field 'latent.decoder' must name a TorchScript file of the model directory (letters,"
                + " digits, '.', '_', '-', ending in .pt; not model.pt), got '../../etc/x.pt'",
                String.format(latentCard, "{\"image_shape\": [1, 8, 8], \"decoder\": \"../../etc/x.pt\"}"));
        assertError("model.json: field 'latent.encoder' must name a TorchScript file of the model directory (letters,"
                + " digits, '.', '_', '-', ending in .pt; not model.pt), got 'model.pt'",
                String.format(latentCard, "{\"image_shape\": [1, 8, 8], \"encoder\": \"model.pt\"}"));
        assertError("model.json: fields 'latent.scale' and 'latent.shift' must be finite with scale > 0, got 0.0 and 0.0",
                String.format(latentCard, "{\"image_shape\": [1, 8, 8], \"scale\": 0}"));
        assertError("model.json: field 'latent.image_shape': images need 1, 3 or 4 channels, got 2",
                String.format(latentCard, "{\"image_shape\": [2, 8, 8]}"));
        assertError("model.json: field 'latent.decoder_sha256' must be 64 hex digits, got 'abc'",
                String.format(latentCard, "{\"image_shape\": [1, 8, 8], \"decoder_sha256\": \"abc\"}"));
        assertError("model.json: field 'sample_shape': images need 1, 3 or 4 channels, got 16",
                String.format(latentCard, "null"));
    }

    @Test
    void aLatentModelsFilesMustBeThereWithTheirHashes() throws IOException {
        Path dir = copy("gaussian-latent");
        Files.delete(dir.resolve("decoder.pt"));
        assertEquals(dir + " has no decoder.pt (the card's latent.decoder)",
                assertThrows(InvalidModelException.class, () -> ModelCard.load(dir)).getMessage());
        Files.copy(Models.dir("gaussian-latent").resolve("encoder.pt"), dir.resolve("decoder.pt"));
        ModelCard.LatentSpace latent = ModelCard.load(Models.dir("gaussian-latent")).latent();
        String message = assertThrows(InvalidModelException.class, () -> ModelCard.load(dir)).getMessage();
        assertEquals("model.json: field 'latent.decoder_sha256' is " + latent.decoderSha256() + " but decoder.pt hashes to "
                + latent.encoderSha256() + ": the directory holds another file than its card describes", message);
    }

    @Test
    void anEmbeddingConditionedModelReadsItsTableAndNullEmbedding() throws IOException {
        ModelCard card = ModelCard.load(Models.dir("gaussian-embedding"));
        ModelCard.Conditioning conditioning = card.conditioning();
        assertArrayEquals(new int[] {1, 64}, conditioning.shape());
        assertEquals(4, conditioning.table().length);
        assertEquals((float) (0.8 * Math.sin(1.3)), conditioning.table()[0][1]);
        assertArrayEquals(new float[64], conditioning.table()[3], "the null embedding");
        assertEquals(List.of("model.json", "model.pt", "null_embedding.json", "embeddings.jsonl"), card.files());

        Path dir = copy("gaussian-embedding");
        List<String> lines = Files.readAllLines(dir.resolve("embeddings.jsonl"));
        Files.write(dir.resolve("embeddings.jsonl"), lines.subList(0, 2));
        assertEquals("embeddings.jsonl has no embedding of class 2",
                assertThrows(InvalidModelException.class, () -> ModelCard.load(dir)).getMessage());
        Files.write(dir.resolve("embeddings.jsonl"), List.of(lines.get(0), lines.get(1), lines.get(1)));
        assertEquals("embeddings.jsonl line 3: class_label 1 has an embedding already",
                assertThrows(InvalidModelException.class, () -> ModelCard.load(dir)).getMessage());
        Files.write(dir.resolve("embeddings.jsonl"), List.of(lines.get(0), lines.get(1),
                lines.get(2).replace("\"cond_shape\": [1, 64]", "\"cond_shape\": [2, 32]")));
        assertEquals("embeddings.jsonl line 3: 'cond' must hold 64 values of 'cond_shape' [1, 64] (conditioning.shape)",
                assertThrows(InvalidModelException.class, () -> ModelCard.load(dir)).getMessage());
        Files.write(dir.resolve("embeddings.jsonl"), lines);
        Files.delete(dir.resolve("null_embedding.json"));
        assertEquals(dir + " has no null_embedding.json (named by the card's conditioning)",
                assertThrows(InvalidModelException.class, () -> ModelCard.load(dir)).getMessage());
        String conditioned = "{\"name\": \"m\", \"prediction\": \"epsilon\", \"schedule\": " + Models.LINEAR
                + ", \"timestep_input\": \"index\", \"sample_shape\": [1, 8, 8], \"value_range\": [-1, 1], %s"
                + " \"conditioning\": {\"kind\": \"%s\", \"shape\": [1, 4], \"null_embedding\": \"n.json\","
                + " \"embeddings\": \"e.jsonl\"}}";
        Path pooled = copy("gaussian-pooled");
        Files.write(pooled.resolve("null_embedding.json"), List.of(Files.readString(pooled.resolve("null_embedding.json"))
                .replace("\"pooled\": [0.0, 0.0]", "\"pooled\": [0.0]").trim()));
        assertEquals("null_embedding.json: 'pooled' must hold 2 values (conditioning.pooled)",
                assertThrows(InvalidModelException.class, () -> ModelCard.load(pooled)).getMessage());
        assertEquals(2, ModelCard.load(Models.dir("gaussian-pooled")).conditioning().pooled());
        assertError("model.json: field 'conditioning.kind' must be 'embedding', got 'text'",
                String.format(conditioned, "\"num_classes\": 2,", "text"));
        assertError("model.json: an embedding-conditioned model needs 'num_classes': the classes of its embeddings table",
                String.format(conditioned, "", "embedding"));
    }

    private Path copy(String model) throws IOException {
        Path dir = Files.createDirectories(tmp.resolve(model));
        try (var files = Files.list(Models.dir(model))) {
            for (Path file : files.toList()) {
                Files.copy(file, dir.resolve(file.getFileName()));
            }
        }
        return dir;
    }

    private static void assertError(String expected, String json) {
        assertEquals(expected, assertThrows(InvalidModelException.class, () -> ModelCard.parse(json, SHA)).getMessage());
    }
}
