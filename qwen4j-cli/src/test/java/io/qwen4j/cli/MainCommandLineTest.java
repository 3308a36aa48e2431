package io.qwen4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** {@link Main#commandLine}: only the named subcommand is built, and everything still behaves as one tree. */
class MainCommandLineTest {

    private static Set<String> registered(String... args) {
        return Main.commandLine(args).getSubcommands().keySet();
    }

    private static List<String> allNames() {
        List<String> names = new ArrayList<>(List.of("help"));
        for (Class<?> c : Main.COMMANDS) {
            names.add(c.getAnnotation(picocli.CommandLine.Command.class).name());
        }
        return names;
    }

    @Test
    void buildsOnlyTheNamedCommand() {
        assertEquals(Set.of("help", "generate"), registered("generate", "--prompt", "Hi"));
        assertEquals(Set.of("help", "tokenize"), registered("--debug", "tokenize", "x"));
        assertEquals(Set.of("help", "bench"), registered("bench", "tokenizer", "--json"));
    }

    @Test
    void buildsEveryCommandForHelpOrAnUnknownWord() {
        assertEquals(Set.copyOf(allNames()), registered("--help"));
        assertEquals(Set.copyOf(allNames()), registered());
        assertEquals(Set.copyOf(allNames()), registered("help", "generate"));
        assertEquals(Set.copyOf(allNames()), registered("genrate"));
    }

    @Test
    void helpListsEveryCommandAndErrorsKeepTheContract() {
        CliRun help = CliRun.run("", "--help");
        assertEquals(0, help.status());
        for (String name : allNames()) {
            assertTrue(help.out().contains("  " + name + " "), name + " missing from:\n" + help.out());
        }
        CliRun typo = CliRun.run("", "genrate", "-m", "x.gguf");
        assertEquals(Main.EXIT_BAD_INPUT, typo.status(), typo.err());
        // the inherited --debug option still reaches a subcommand that was added on its own
        CliRun debug = CliRun.run("", "generate", "--debug", "--prompt-tokens", "1,x", "-m", "missing.gguf");
        assertEquals(Main.EXIT_BAD_INPUT, debug.status(), debug.err());
        assertTrue(debug.err().contains("\tat io.qwen4j."), "--debug prints the stack trace:\n" + debug.err());
    }
}
