package dev.amos.eval.glue;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Locations of the data the GLUE tests read. */
final class GlueTestPaths {

    private GlueTestPaths() {}

    static Path repoRoot() {
        return Path.of(System.getProperty("amos.repo.root", "."));
    }

    /** The real GLUE files beside the repository; the calling test is skipped if they are absent. */
    static Path sharedGlueDir() {
        Path dir = repoRoot().resolve("../shared/data/glue");
        assumeTrue(Files.isDirectory(dir), "shared GLUE data not found at " + dir);
        return dir;
    }

    /** Small files in the official QQP/MNLI/QNLI-train format (test resources). */
    static Path fixtureGlueDir() {
        try {
            return Path.of(GlueTestPaths.class.getResource("/glue-fixtures").toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    static Path tokenizerJson() {
        return repoRoot().resolve("models/tokenizer.json");
    }

    static Path vocabTxt() {
        return repoRoot().resolve("models/vocab.txt");
    }
}
