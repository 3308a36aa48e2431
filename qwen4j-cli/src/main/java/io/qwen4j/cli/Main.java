package io.qwen4j.cli;

import io.qwen4j.InvalidInputException;
import io.qwen4j.loader.StartupTrace;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.AccessDeniedException;
import java.nio.file.NoSuchFileException;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The {@code qwen4j} command: registers the subcommands and turns errors into the CLI contract
 * (../shared/CONTRACTS.md): one line on stderr, exit 2 for bad input, 1 for anything else, and a stack
 * trace only with {@code --debug}.
 *
 * <p>To add a command: write a class annotated with {@code @Command} in this package and list it in
 * {@link #COMMANDS} below.
 */
@Command(name = "qwen4j", mixinStandardHelpOptions = true, version = "qwen4j 0.1.0",
        description = "Runs the Qwen model family locally, in pure Java.")
public final class Main implements Runnable {

    /** The subcommands, in the order help lists them. */
    static final List<Class<?>> COMMANDS = List.of(
            BenchCommand.class,
            GenerateCommand.class,
            ParseCommand.class,
            TemplateCommand.class,
            GgufCommand.class,
            SynthCommand.class,
            DemoCommand.class,
            ChatCommand.class,
            TokenizeCommand.class,
            DetokenizeCommand.class,
            PullCommand.class,
            ServeCommand.class,
            ConvertCommand.class,
            QuantizeCommand.class,
            EmbedCommand.class,
            RerankCommand.class);

    public static final int EXIT_BAD_INPUT = 2;
    public static final int EXIT_FAILURE = 1;

    @Option(names = "--debug", scope = CommandLine.ScopeType.INHERIT,
            description = "Print stack traces of errors.")
    boolean debug;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    public static void main(String[] args) {
        StartupTrace.mark("JVM started, in main");
        int status = run(args);
        StartupTrace.mark("command done");
        System.exit(status);
    }

    /** Runs the CLI and returns the exit status; used by tests so they need no subprocess. */
    public static int run(String... args) {
        CommandLine cli = commandLine(args);
        boolean debug = java.util.Arrays.asList(args).contains("--debug");
        cli.setParameterExceptionHandler((ex, argv) -> {
            PrintWriter err = ex.getCommandLine().getErr();
            err.println("qwen4j: " + ex.getMessage());
            err.flush();
            return EXIT_BAD_INPUT;
        });
        cli.setExecutionExceptionHandler((ex, commandLine, parseResult) -> {
            PrintWriter err = commandLine.getErr();
            if (debug) {
                ex.printStackTrace(err);
            }
            err.println("qwen4j: " + describe(ex));
            err.flush();
            return isBadInput(ex) ? EXIT_BAD_INPUT : EXIT_FAILURE;
        });
        try {
            return cli.execute(args);
        } catch (OutOfMemoryError e) {
            // picocli hands only Exceptions to the handler above; this is the one Error a user can cause
            if (debug) {
                e.printStackTrace(cli.getErr());
            }
            cli.getErr().println("qwen4j: out of memory (" + e.getMessage() + "); use a smaller --ctx or --parallel, "
                    + "a quantized --kv-cache-type such as q8_0, or more heap (QWEN4J_JAVA_OPTS=-Xmx...)");
            cli.getErr().flush();
            return EXIT_FAILURE;
        }
    }

    /**
     * The command tree for {@code args}. picocli builds a subcommand's model by reflecting over its class and
     * running its field initialisers; doing that for every command cost about 0.3 s of (interpreted) start-up
     * before any work. So when the first word names a command, only that command is registered; otherwise
     * ({@code --help}, {@code help CMD}, a typo) all are, and picocli lists or suggests them as usual.
     */
    static CommandLine commandLine(String... args) {
        CommandLine cli = new CommandLine(new Main());
        cli.addSubcommand(new CommandLine.HelpCommand());
        String first = java.util.Arrays.stream(args).filter(a -> !a.startsWith("-")).findFirst().orElse("");
        boolean named = COMMANDS.stream().anyMatch(c -> commandName(c).equals(first));
        for (Class<?> command : COMMANDS) {
            if (!named || commandName(command).equals(first)) {
                cli.addSubcommand(command);
            }
        }
        return cli;
    }

    private static String commandName(Class<?> command) {
        return command.getAnnotation(Command.class).name();
    }

    static boolean isBadInput(Throwable ex) {
        return ex instanceof InvalidInputException
                || ex instanceof NoSuchFileException
                || ex instanceof AccessDeniedException
                || ex instanceof IllegalArgumentException
                || ex instanceof CommandLine.ParameterException;
    }

    static String describe(Throwable ex) {
        String message = ex.getMessage() == null ? ex.getClass().getSimpleName() : ex.getMessage();
        if (ex instanceof NoSuchFileException) {
            return "no such file: " + message;
        }
        if (ex instanceof AccessDeniedException) {
            return "permission denied: " + message;
        }
        if (ex instanceof IOException) {
            return "I/O error: " + message;
        }
        if (ex instanceof OutOfMemoryError) {
            return "out of memory (raise -Xmx via QWEN4J_JAVA_OPTS): " + message;
        }
        return message.replace('\n', ' ');
    }
}
