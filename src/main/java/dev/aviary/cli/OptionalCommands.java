package dev.aviary.cli;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceLoader;

/**
 * Commands only some builds carry: the sandbox's ({@code demo}, {@code sandbox}, {@code simulate}) are left out of
 * the cluster build ({@code -Pcluster}) with their libraries. They are found with {@link ServiceLoader}, so that
 * {@link Main} and {@link AviaryCommand} never name their classes and build without them.
 */
public interface OptionalCommands {

    /** The picocli command classes this build adds (created by Quarkus' factory, as CDI beans, when they run). */
    List<Class<?>> commands();

    /**
     * Runs before Quarkus boots, for a command of {@link #commands()}: starts what the application must be pointed at
     * (the sandbox's mock API server and Prometheus), given the command's name and its arguments.
     *
     * @return the system properties to set for the boot and what to do when the command ends; empty when the
     *         command needs nothing started (or its input is bad, which the command itself then reports)
     * @throws Exception when it cannot start; the message is the one line shown
     */
    Optional<Boot> beforeBoot(String command, String[] options) throws Exception;

    /** What {@link #beforeBoot} started: properties pointing the application at it, and how to stop it. */
    record Boot(Map<String, String> properties, Runnable close) {
        public Boot {
            properties = Map.copyOf(properties);
        }
    }

    /** The optional commands of this build. */
    static List<OptionalCommands> installed() {
        return ServiceLoader.load(OptionalCommands.class, OptionalCommands.class.getClassLoader()).stream()
                .map(ServiceLoader.Provider::get).toList();
    }
}
