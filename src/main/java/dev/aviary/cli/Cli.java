package dev.aviary.cli;

import dev.aviary.cli.remote.Connection;
import dev.aviary.cli.remote.Failure;
import java.io.PrintWriter;
import java.lang.reflect.Constructor;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import picocli.CommandLine;

/**
 * What the CLI answers before (and without) Quarkus: help and version for every command, one line for a command line
 * it cannot take, and the commands that only talk to a cluster or to Aviary's API ({@code status} and the controls).
 * Everything else boots the application. Picocli builds the usage from the annotated classes alone: commands whose
 * constructors take CDI beans are made with empty arguments here, only to be read, never run.
 */
final class Cli {

    /** Returned by {@link #answer} when the command runs in the application. */
    static final int BOOT = -1;

    /** The sandbox's commands: the cluster build leaves them out, and says so when they are asked for. */
    static final Set<String> FULL_BUILD_ONLY = Set.of("demo", "sandbox", "simulate", "bench");


    private final List<OptionalCommands> optional;
    private final Map<String, String> env;

    /** @param env the environment (KUBECONFIG, HOME, AVIARY_SERVER, AVIARY_TOKEN, TMPDIR) */
    Cli(List<OptionalCommands> optional, Map<String, String> env) {
        this.optional = List.copyOf(optional);
        this.env = Map.copyOf(env);
    }

    /** Every command of this build, its objects made by {@code factory}. */
    static CommandLine tree(CommandLine.IFactory factory, List<OptionalCommands> optional) {
        CommandLine cl = new CommandLine(AviaryCommand.class, factory);
        ControlCommand.addTo(cl, factory);
        optional.forEach(o -> o.commands().forEach(cl::addSubcommand));
        return cl;
    }

    /**
     * @return the exit code when the command was answered here (0 help, 1 failed, 2 usage), or {@link #BOOT} when it
     *         needs the application
     */
    int answer(String[] args, PrintWriter out, PrintWriter err) {
        CommandLine cl = tree(new ReadOnlyFactory(env), optional);
        cl.setOut(out);
        cl.setErr(err);
        String[] given = args.length == 0 ? new String[] {"--help"} : args;
        CommandLine.ParseResult parsed;
        try {
            parsed = cl.parseArgs(given);
        } catch (CommandLine.ParameterException e) {
            err.println(unusable(cl, e));
            err.flush();
            return Failure.USAGE;
        }
        if (CommandLine.printHelpIfRequested(parsed)) {
            out.flush();
            return 0;
        }
        CommandLine.ParseResult sub = parsed.subcommand();
        // status and the controls only read and steer rollouts from outside: they run here
        Object chosen = sub == null ? null : sub.commandSpec().userObject();
        if (!(chosen instanceof StatusCommand || chosen instanceof ControlCommand)) return BOOT;
        // run it on fresh objects: the parse above filled read-only ones
        CommandLine run = tree(new ReadOnlyFactory(env), optional);
        run.setOut(out);
        run.setErr(err);
        run.setExecutionExceptionHandler((e, command, result) -> {
            String name = "aviary " + command.getCommandName();
            if (e instanceof Failure f) {
                err.println(name + ": " + f.getMessage());
                return f.exitCode();
            }
            err.println(name + ": failed: " + e); // a bug: still one line, never a stack trace
            return Failure.FAILED;
        });
        int code = run.execute(given);
        out.flush();
        err.flush();
        return code;
    }

    /** One line for a command line picocli cannot take: an unknown command names the known ones. */
    private static String unusable(CommandLine top, CommandLine.ParameterException e) {
        CommandLine where = e.getCommandLine();
        if (where == top && e instanceof CommandLine.UnmatchedArgumentException u && !u.getUnmatched().isEmpty()
                && !u.getUnmatched().get(0).startsWith("-")) {
            String word = u.getUnmatched().get(0);
            if (FULL_BUILD_ONLY.contains(word)) {
                return "aviary: " + word + " is not in this build (the cluster build has no sandbox): use the full build, ./mvnw package";
            }
            return "aviary: unknown command '" + word + "'; the commands are " + String.join(", ", top.getSubcommands().keySet());
        }
        String name = where.getCommandSpec().qualifiedName();
        String message = e.getMessage().lines().findFirst().orElse("cannot take that command line");
        return name + ": " + message + " (" + name + " --help)";
    }

    /**
     * Makes command objects only to read their annotations and take parsed values: a constructor's CDI beans are
     * given as null (or zero, or false), which the constructors merely store. {@link Connection} gets the environment.
     */
    private record ReadOnlyFactory(Map<String, String> env) implements CommandLine.IFactory {
        @Override
        public <K> K create(Class<K> type) throws Exception {
            if (type == Connection.class) return type.cast(new Connection(env));
            Constructor<?>[] constructors = type.getConstructors();
            for (Constructor<?> c : constructors) {
                if (c.getParameterCount() == 0) return type.cast(c.newInstance());
            }
            if (constructors.length == 0) return CommandLine.defaultFactory().create(type);
            Constructor<?> c = constructors[0];
            Object[] none = Arrays.stream(c.getParameterTypes()).map(Cli::empty).toArray();
            return type.cast(c.newInstance(none));
        }
    }

    private static Object empty(Class<?> type) {
        if (!type.isPrimitive()) return null;
        if (type == boolean.class) return false;
        if (type == char.class) return '\0';
        if (type == long.class) return 0L;
        if (type == double.class) return 0d;
        if (type == float.class) return 0f;
        return type == int.class ? 0 : type == short.class ? (short) 0 : (byte) 0;
    }
}
