package org.ddimspark.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.ddimspark.testing.Models;
import org.ddimspark.testing.S3Server;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The jobs against a real S3 server (S3Proxy): s3a outputs, inputs and models, from the command line. */
class S3JobsTest {

    private static final String SECRET = "planted-secret-5f0c2e9a7b";
    private static S3Server s3;

    @TempDir
    Path tmp;

    private record Result(int code, String out, String err) {}

    @BeforeAll
    static void start() throws Exception {
        s3 = S3Server.start(SECRET, "bucket");
        for (String model : List.of("gaussian-eps", "gaussian-x0-cond")) {
            for (String file : List.of("model.json", "model.pt")) {
                s3.write("bucket", "models/" + model + "/" + file, Files.readAllBytes(Models.dir(model).resolve(file)));
            }
        }
    }

    @AfterAll
    static void stop() throws Exception {
        s3.close();
    }

    private static Result run(List<String> args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.run(args.toArray(new String[0]), new PrintWriter(out, true), new PrintWriter(err, true));
        return new Result(code, out.toString(), err.toString());
    }

    private static List<String> args(String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of("--master", "local[2]", "--conf", "spark.ui.enabled=false"));
        all.addAll(s3.confArgs());
        return all;
    }

    @Test
    void samplesFromAnS3ModelToS3WithTheMagicCommitter() {
        Result r = run(args("sample", "--model", "s3a://bucket/models/gaussian-eps", "--output", "s3a://bucket/out/sample",
                "--count", "12", "--steps", "5", "--partitions", "3", "--batch-size", "4"));
        assertEquals(0, r.code(), r.err());
        System.out.println(r.out());
        System.out.println(s3.keys("bucket"));
        String success = new String(s3.read("bucket", "out/sample/_SUCCESS"), StandardCharsets.UTF_8);
        System.out.println(success);
        assertTrue(success.contains("\"committer\""), success);
    }
}
