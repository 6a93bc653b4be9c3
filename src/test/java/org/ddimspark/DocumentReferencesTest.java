package org.ddimspark;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Every document a source file cites is in the repository, and so is the section it names: the contract
 * lives in docs/CONTRACT.md, and a comment never points at a file a reader of the repository cannot open.
 */
class DocumentReferencesTest {

    private static final Pattern CITATION = Pattern.compile("([A-Za-z0-9_./-]+\\.md)(?:, ([A-Z][A-Za-z ]+)\\))?");

    @Test
    void everyCitedDocumentAndSectionExists() throws IOException {
        List<String> missing = new ArrayList<>();
        int citations = 0;
        try (Stream<Path> files = Files.walk(Path.of("src"))) {
            for (Path file : (Iterable<Path>) files.filter(p -> p.toString().endsWith(".java") || p.toString().endsWith(".py")
                    || p.toString().endsWith(".sh"))::iterator) {
                Matcher m = CITATION.matcher(Files.readString(file));
                while (m.find()) {
                    citations++;
                    Path doc = Path.of(m.group(1));
                    if (!Files.isRegularFile(doc)) {
                        missing.add(file + " cites " + m.group(1));
                    } else if (m.group(2) != null && !Files.readString(doc).contains("## " + m.group(2).trim())) {
                        missing.add(file + " cites section '" + m.group(2) + "' of " + m.group(1));
                    }
                }
            }
        }
        assertTrue(citations > 0, "the sources cite the contract");
        assertTrue(missing.isEmpty(), String.join("\n", missing));
    }
}
