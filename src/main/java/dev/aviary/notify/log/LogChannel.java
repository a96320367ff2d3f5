package dev.aviary.notify.log;

import dev.aviary.notify.Outbox;
import dev.aviary.rollout.RolloutEvent;
import dev.aviary.rollout.CheckRecord;
import java.util.List;
import org.jboss.logging.Logger;

/** Writes each decision, with the numbers of every check, to the log: what the sandbox prints. */
public final class LogChannel implements Outbox.Channel {

    private static final Logger LOG = Logger.getLogger("aviary");

    @Override
    public String name() {
        return "log";
    }

    @Override
    public List<Outbox.Delivery> deliveries(RolloutEvent e) {
        return List.of(new Outbox.Delivery("the log", () -> write(e)));
    }

    private void write(RolloutEvent e) {
        StringBuilder s = new StringBuilder(e.headline());
        for (CheckRecord c : e.checks()) {
            s.append("\n    ").append(String.format("%-12s %-12s %s", c.check(), c.outcome(), c.message()));
        }
        LOG.info(s);
    }
}
