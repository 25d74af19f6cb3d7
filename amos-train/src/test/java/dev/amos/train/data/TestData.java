package dev.amos.train.data;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPOutputStream;

/** Paths of the repository's shipped tokenizer and corpus sample, and small file helpers. */
final class TestData {

    private TestData() {}

    static Path repoRoot() {
        return Path.of(System.getProperty("amos.repo.root", ".")).toAbsolutePath().normalize();
    }

    static Path tokenizerJson() {
        return repoRoot().resolve("models/tokenizer.json");
    }

    static Path vocabTxt() {
        return repoRoot().resolve("models/vocab.txt");
    }

    static Path wikiSample() {
        return repoRoot().resolve("data/wiki-sample.txt.gz");
    }

    static Path write(Path file, String text) throws IOException {
        Files.createDirectories(file.toAbsolutePath().getParent());
        return Files.writeString(file, text, StandardCharsets.UTF_8);
    }

    static Path writeGzip(Path file, String text) throws IOException {
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(file))) {
            out.write(text.getBytes(StandardCharsets.UTF_8));
        }
        return file;
    }
}
