package dev.amos.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * SIGKILLs a writer that replaces a multi-file folder again and again ({@link OutputFolder#staged}
 * as export, import and Spark output write, and {@link OutputFolder#writeInside} as a run's
 * discriminator/ and a fine-tune's best/ are written) at random moments, and checks after every
 * kill that the folder holds one complete version, never files of two, once the next writer has
 * opened it.
 */
class SwapKillTest {

    /** Files per version; each is large enough that writing a version takes a while. */
    static final int FILES = 12;

    static final int FILE_BYTES = 256 << 10;

    @TempDir Path tmp;

    @ParameterizedTest
    @ValueSource(strings = {"staged", "inside"})
    void aKilledWriterLeavesTheOldVersionOrTheNewOneNeverAMix(String mode) throws Exception {
        Path target = tmp.resolve("parent/folder");
        Files.createDirectories(target.getParent());
        Random random = new Random(7);
        Set<Integer> seen = new HashSet<>();
        for (int kill = 0; kill < 15; kill++) {
            Process child =
                    new ProcessBuilder(
                                    Path.of(System.getProperty("java.home"), "bin", "java")
                                            .toString(),
                                    "-cp",
                                    System.getProperty("java.class.path"),
                                    SwapKillTest.class.getName(),
                                    mode,
                                    target.toString())
                            .redirectErrorStream(true)
                            .start();
            try (BufferedReader out =
                    new BufferedReader(new InputStreamReader(child.getInputStream()))) {
                assertEquals(
                        "1",
                        out.readLine(),
                        "the writer completed its first version"); // then kill it mid-way
                Thread.sleep(random.nextInt(300));
            }
            child.destroyForcibly(); // SIGKILL
            assertTrue(child.waitFor(30, TimeUnit.SECONDS));
            Integer version =
                    Files.exists(target)
                            ? versionOf(target)
                            : versionOf(setAside(target)); // complete, whichever
            if (version != null) {
                seen.add(version);
            }
            if (mode.equals(
                    "staged")) { // the next writer's open puts an interrupted swap back and cleans
                // up
                try (OutputFolder next =
                        OutputFolder.staged(target, FolderKind.EXPORT, true, "--out")) {
                    assertEquals(
                            version,
                            versionOf(target),
                            "the next writer sees the version the kill left");
                }
            } else {
                OutputFolder.writeInside(
                        target,
                        FolderKind.CLASSIFIER,
                        null,
                        d -> {}); // cleans up, then an empty version
                assertEquals(List.of(AmosFolder.MARKER), names(target));
            }
            assertEquals(
                    List.of(),
                    names(target.getParent()).stream().filter(n -> !n.equals("folder")).toList(),
                    "nothing but the folder is left beside it");
        }
        assertTrue(seen.size() >= 2, "the kills landed at different versions: " + seen);
    }

    /** The folder a writer killed between its two renames set aside, or null. */
    private static Path setAside(Path target) throws IOException {
        List<String> old =
                names(target.getParent()).stream()
                        .filter(n -> n.startsWith(".folder.amos-old-"))
                        .toList();
        assertTrue(old.size() <= 1, "one set-aside folder at most: " + old);
        return old.isEmpty()
                ? null
                : target.resolveSibling(old.get(0)); // none: killed before its first swap
    }

    /**
     * The version all files of {@code dir} hold (asserting they agree and are complete), or null
     * when it has none.
     */
    private static Integer versionOf(Path dir) throws IOException {
        if (dir == null || !Files.exists(dir)) {
            return null;
        }
        Set<String> versions = new HashSet<>();
        int files = 0;
        for (String name : names(dir)) {
            if (name.startsWith("part-")) {
                byte[] bytes = Files.readAllBytes(dir.resolve(name));
                assertEquals(FILE_BYTES, bytes.length, name + " is complete");
                versions.add(new String(bytes, 0, 16).strip());
                files++;
            }
        }
        if (files == 0) {
            return null;
        }
        assertEquals(FILES, files, "every file of the version is there");
        assertEquals(1, versions.size(), "one version, not a mix: " + versions);
        return Integer.parseInt(versions.iterator().next());
    }

    private static List<String> names(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    private static void write(Path parent, int version, String mode) throws IOException {
        Path target = parent.resolve("folder");
        OutputFolder.Content content =
                d -> {
                    byte[] bytes = new byte[FILE_BYTES];
                    byte[] label = String.format("%-16d", version).getBytes();
                    System.arraycopy(label, 0, bytes, 0, label.length);
                    for (int i = 0; i < FILES; i++) {
                        Files.write(d.resolve("part-" + i), bytes);
                    }
                };
        if (mode.equals("staged")) {
            try (OutputFolder out = OutputFolder.staged(target, FolderKind.EXPORT, true, "--out")) {
                content.write(out.dir());
                out.commit(new JsonObject());
            }
        } else {
            OutputFolder.writeInside(target, FolderKind.CLASSIFIER, null, content);
        }
    }

    /**
     * The writer the test kills: replaces {@code args[1]} with version 1, 2, 3, ... until killed.
     *
     * @param args the mode ({@code staged} or {@code inside}) and the target folder
     */
    public static void main(String[] args) throws IOException {
        Path target = Path.of(args[1]);
        for (int version = 1; ; version++) {
            write(target.getParent(), version, args[0]);
            System.out.println(version);
            System.out.flush();
        }
    }
}
