package dev.aviary.cli;

import io.quarkus.runtime.ApplicationLifecycleManager;
import io.quarkus.runtime.Quarkus;
import io.quarkus.runtime.QuarkusApplication;
import io.quarkus.runtime.annotations.QuarkusMain;
import java.io.PrintWriter;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import picocli.CommandLine;

/**
 * The entry point of every command. Help, bad command lines, {@code status} and the controls are answered before
 * Quarkus ({@link Cli}); a command of this build's {@link OptionalCommands} may start what it needs first (the
 * sandbox); everything else runs in the booted application.
 */
@QuarkusMain
public class Main implements QuarkusApplication {

    private final CommandLine.IFactory factory;

    public Main(CommandLine.IFactory factory) {
        this.factory = factory;
    }

    public static void main(String... args) throws Exception {
        List<OptionalCommands> optional = OptionalCommands.installed();
        PrintWriter out = new PrintWriter(System.out, true);
        PrintWriter err = new PrintWriter(System.err, true);
        int answered = new Cli(optional, System.getenv()).answer(args, out, err);
        if (answered != Cli.BOOT) {
            // exits the JVM, except under a test launcher, which takes the code
            ApplicationLifecycleManager.getDefaultExitCodeHandler().accept(answered, null);
            return;
        }
        String command = args[0];
        Map<String, String> properties = new LinkedHashMap<>();
        if (!"run".equals(command)) {
            // a one-shot command should not take the daemon's port or chatter about booting
            properties.put("quarkus.http.port", "0");
            properties.put("quarkus.http.test-port", "0");
            properties.put("quarkus.log.category.\"io.quarkus\".level", "WARN");
        }
        Optional<OptionalCommands.Boot> boot = Optional.empty();
        for (OptionalCommands o : optional) {
            if (boot.isPresent() || o.commands().stream().noneMatch(c -> command.equals(c.getAnnotation(CommandLine.Command.class).name()))) continue;
            try {
                boot = o.beforeBoot(command, Arrays.copyOfRange(args, 1, args.length));
            } catch (Exception e) {
                err.println("aviary " + command + ": " + e.getMessage());
                ApplicationLifecycleManager.getDefaultExitCodeHandler().accept(2, null);
                return;
            }
        }
        boot.ifPresent(b -> properties.putAll(b.properties()));
        Map<String, String> previous = set(properties);
        Thread cleanup = boot.map(b -> new Thread(b.close(), "sandbox-shutdown")).orElse(null);
        if (cleanup != null) Runtime.getRuntime().addShutdownHook(cleanup);
        try {
            Quarkus.run(Main.class, args); // exits the JVM, except under a test launcher
        } finally {
            set(previous);
            if (cleanup != null) {
                Runtime.getRuntime().removeShutdownHook(cleanup);
                cleanup.run();
            }
        }
    }

    @Override
    public int run(String... args) {
        return Cli.tree(factory, OptionalCommands.installed()).execute(args);
    }

    /** Sets the system properties (a null value clears one); returns what they were, to put back the same way. */
    private static Map<String, String> set(Map<String, String> properties) {
        Map<String, String> previous = new HashMap<>();
        properties.forEach((k, v) -> {
            previous.put(k, System.getProperty(k));
            if (v == null) System.clearProperty(k);
            else System.setProperty(k, v);
        });
        return previous;
    }
}
