package dev.aviary.cli;

import dev.aviary.rollout.CanaryRollout;
import dev.aviary.rollout.RolloutRepository;
import dev.aviary.rollout.RolloutStatus;
import java.util.concurrent.Callable;
import picocli.CommandLine;

@CommandLine.Command(name = "status", description = "Show where every rollout stands (reads the CanaryRollouts in the cluster).")
public class StatusCommand implements Callable<Integer> {

    private final RolloutRepository rollouts;

    public StatusCommand(RolloutRepository rollouts) {
        this.rollouts = rollouts;
    }

    @Override
    public Integer call() {
        System.out.printf("%-12s %-20s %-34s %-12s %-5s %-7s %s%n", "NAMESPACE", "NAME", "TARGET", "PHASE", "STEP", "CANARY", "MESSAGE");
        for (CanaryRollout cr : rollouts.list()) {
            RolloutStatus s = cr.getStatus();
            System.out.printf("%-12s %-20s %-34s %-12s %-5s %-7s %s%n", cr.getMetadata().getNamespace(), cr.getMetadata().getName(),
                    cr.getSpec().target(), s.phase(), s.step() + 1, s.canaryWeight() + "%", s.message());
        }
        return 0;
    }
}
