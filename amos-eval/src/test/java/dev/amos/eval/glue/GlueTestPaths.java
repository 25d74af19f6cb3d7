package dev.amos.eval.glue;

import java.net.URISyntaxException;
import java.nio.file.Path;

/** Locations of the data the GLUE tests read. */
final class GlueTestPaths {

    private GlueTestPaths() {}

    static Path repoRoot() {
        return Path.of(System.getProperty("amos.repo.root", "."));
    }

    /** Samples of the real GLUE files, in their official layout ({@code testdata/README.md}). */
    static Path sampleGlueDir() {
        return repoRoot().resolve("testdata/glue");
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
