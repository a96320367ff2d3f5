package dev.aviary.cli;

import dev.aviary.daemon.Engine;
import io.quarkus.runtime.Quarkus;
import java.util.concurrent.Callable;
import picocli.CommandLine;

@CommandLine.Command(name = "run", mixinStandardHelpOptions = true, description = "Run the daemon: judge and move every policy's rollout until stopped.")
public class RunCommand implements Callable<Integer> {

    private final Engine engine;

    public RunCommand(Engine engine) {
        this.engine = engine;
    }

    @Override
    public Integer call() {
        engine.start();
        Quarkus.waitForExit();
        return 0;
    }
}
