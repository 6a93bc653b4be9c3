package org.ddimspark.testing;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/**
 * Runs an {@link S3Server} as a process of its own, for end-to-end checks of {@code jobs/ddim} against S3
 * (src/test/sh/s3-end-to-end.sh): {@code S3ServerMain ENDPOINT_FILE SECRET BUCKET [KEY_PREFIX=LOCAL_DIR ...]}
 * uploads each local folder's files under its key prefix, writes the endpoint into ENDPOINT_FILE, and
 * serves until its standard input closes.
 */
public final class S3ServerMain {

    private S3ServerMain() {}

    /**
     * Starts the server.
     *
     * @param args the endpoint file, the secret, the bucket, then uploads as {@code prefix=dir}
     */
    public static void main(String[] args) throws Exception {
        try (S3Server s3 = S3Server.start(args[1], args[2])) {
            for (int i = 3; i < args.length; i++) {
                String prefix = args[i].substring(0, args[i].indexOf('='));
                Path dir = Path.of(args[i].substring(args[i].indexOf('=') + 1));
                try (Stream<Path> files = Files.list(dir)) {
                    for (Path file : (Iterable<Path>) files::iterator) {
                        s3.write(args[2], prefix + "/" + file.getFileName(), Files.readAllBytes(file));
                    }
                }
            }
            Path endpoint = Path.of(args[0]);
            Files.writeString(endpoint.resolveSibling(endpoint.getFileName() + ".tmp"), s3.endpoint(), StandardCharsets.UTF_8);
            Files.move(endpoint.resolveSibling(endpoint.getFileName() + ".tmp"), endpoint);
            while (System.in.read() >= 0) {
                // serve until the caller closes our standard input
            }
        }
    }
}
