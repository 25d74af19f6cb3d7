package dev.amos.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class AmosCommandTest {

    private record Run(int code, String out, String err) {}

    private static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cmd = AmosCommand.commandLine();
        cmd.setOut(new PrintWriter(out, true));
        cmd.setErr(new PrintWriter(err, true));
        int code = cmd.execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    @Test
    void helpListsEveryCommandOfTheContract() {
        Run r = run("--help");
        assertEquals(0, r.code());
        for (String c :
                new String[] {
                    "info", "train", "finetune", "glue", "eval", "embed", "export", "bench"
                }) {
            assertTrue(r.out().contains("\n  " + c + " "), c + " missing from:\n" + r.out());
        }
    }

    @Test
    void badInputExitsWithCodeTwoAndOneLine() {
        System.setProperty("amos.home", System.getProperty("amos.repo.root", ".."));
        Run unknownPreset = run("train", "--config", "amos-huge");
        assertEquals(2, unknownPreset.code());
        assertTrue(
                unknownPreset.err().startsWith("amos: unknown preset \"amos-huge\""),
                unknownPreset.err());
        assertEquals(1, unknownPreset.err().strip().lines().count(), unknownPreset.err());
        Run badAblation = run("train", "--ablation", "sometimes");
        assertEquals(2, badAblation.code());
        assertTrue(badAblation.err().contains("unknown ablation"), badAblation.err());
        Run badOption = run("train", "--stepz", "3");
        assertEquals(2, badOption.code());
        assertFalse(badOption.err().contains("Exception"), badOption.err());
        Run resume = run("train", "--resume");
        assertEquals(2, resume.code());
        assertTrue(resume.err().contains("--resume needs --out"), resume.err());
    }
}
